use actix_web::{get, web};

use super::dto::{WebhookList, WebhookResponse};
use crate::auth::Caller;
use crate::db::webhooks;
use crate::error::AppError;
use crate::state::AppState;

/// List webhooks, oldest first. Secrets are never shown.
#[utoipa::path(tag = "webhooks", responses(
    (status = 200, description = "The webhooks", body = WebhookList),
))]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    _admin: Caller,
) -> Result<web::Json<WebhookList>, AppError> {
    let mut conn = state.conn().await?;
    let data = webhooks::list(&mut conn)
        .await?
        .into_iter()
        .map(WebhookResponse::from)
        .collect();
    Ok(web::Json(WebhookList { data }))
}
