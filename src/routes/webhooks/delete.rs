use actix_web::{HttpResponse, delete, web};
use uuid::Uuid;

use crate::auth::Caller;
use crate::db::webhooks;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// Delete a webhook, its pending deliveries and its log. A delivery in
/// flight may still arrive.
#[utoipa::path(tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    _admin: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.conn().await?;
    if !webhooks::delete(&mut conn, *id).await? {
        return Err(AppError::NotFound("webhook"));
    }
    Ok(HttpResponse::NoContent().finish())
}
