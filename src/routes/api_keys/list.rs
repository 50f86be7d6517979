use actix_web::{get, web};

use super::dto::{ApiKeyList, ApiKeyResponse};
use crate::auth::Caller;
use crate::db::api_keys;
use crate::error::AppError;
use crate::state::AppState;

/// List API keys that are not revoked, newest first. Secrets are never shown.
#[utoipa::path(tag = "api-keys", responses(
    (status = 200, description = "The keys", body = ApiKeyList),
))]
#[get("/api-keys")]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    _admin: Caller,
) -> Result<web::Json<ApiKeyList>, AppError> {
    let mut conn = state.conn().await?;
    let data = api_keys::list(&mut conn)
        .await?
        .into_iter()
        .map(ApiKeyResponse::from)
        .collect();
    Ok(web::Json(ApiKeyList { data }))
}
