use actix_web::{HttpResponse, delete, web};
use uuid::Uuid;

use crate::auth::Caller;
use crate::db::api_keys;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// Revoke an API key. It stops working with the very next request.
#[utoipa::path(tag = "api-keys", 
    params(("id" = Uuid, Path, description = "The key's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such key, or already revoked", body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/api-keys/{id}")]
pub async fn delete_api_key(
    state: web::Data<AppState>,
    _admin: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.conn().await?;
    if !api_keys::revoke(&mut conn, *id).await? {
        return Err(AppError::NotFound("API key"));
    }
    Ok(HttpResponse::NoContent().finish())
}
