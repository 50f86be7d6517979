use actix_web::{post, web};
use serde_json::json;
use uuid::Uuid;

use super::dto::{DeliveryResponse, PingResult};
use crate::auth::Caller;
use crate::db::webhooks;
use crate::error::{AppError, Problem};
use crate::state::AppState;
use crate::webhooks::{payload, worker};

/// Ping a webhook: send a `webhook.ping` event now and wait for the answer.
///
/// The ping is sent once, by this request (no retries), even to a webhook
/// that is switched off, so a target can be checked before switching it
/// on; it is logged like any delivery. A build hook's ping is a bare POST:
/// it starts a build. The answer is 200 whatever the receiver said: see
/// `ok` and the attempt.
#[utoipa::path(tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The attempt and its outcome", body = PingResult),
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/webhooks/{id}/ping")]
pub async fn ping_webhook(
    state: web::Data<AppState>,
    _admin: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<PingResult>, AppError> {
    let mut conn = state.conn().await?;
    let hook = super::find(&mut conn, *id).await?;
    let data = json!({"webhook_id": hook.id});
    let claimed = webhooks::claim_new(
        &mut conn,
        hook.id,
        payload::PING,
        &data,
        worker::lease(&state.config.webhooks),
    )
    .await?;
    let delivery_id = claimed.delivery_id;
    // The connection is not held while waiting for the receiver.
    drop(conn);
    let client = state.webhook_client()?;
    let result = worker::deliver(&state, &client, claimed).await;
    let mut conn = state.conn().await?;
    let delivery = webhooks::find_delivery(&mut conn, hook.id, delivery_id)
        .await?
        .ok_or(AppError::NotFound("webhook"))?;
    let attempts = webhooks::attempts_of(&mut conn, &[delivery_id]).await?;
    Ok(web::Json(PingResult {
        ok: result.succeeded(),
        delivery: DeliveryResponse::new(delivery, &attempts),
    }))
}
