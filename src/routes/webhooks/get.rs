use actix_web::{get, web};
use uuid::Uuid;

use super::dto::WebhookResponse;
use crate::auth::Caller;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// One webhook, with whether it is failing and why it was switched off.
#[utoipa::path(tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The webhook", body = WebhookResponse),
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    _admin: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<WebhookResponse>, AppError> {
    let mut conn = state.conn().await?;
    Ok(web::Json(super::find(&mut conn, *id).await?.into()))
}
