use actix_web::{HttpResponse, post, web};

use uuid::Uuid;

use super::dto::{DeliveryResponse, TestDeliveryRequest};
use crate::auth::Caller;
use crate::db::webhooks;
use crate::domain::webhook::EventType;
use crate::error::{AppError, Problem};
use crate::routes::json::JsonBody;
use crate::state::AppState;
use crate::webhooks::payload;

/// Queue a test delivery: an example of an event type, sent to this
/// webhook only, through the queue like a real event (signed, retried,
/// logged).
///
/// Its data is the newest published post (or newest tag) in the shape of
/// the real event, marked `"test": true`. Answers at once; follow the
/// delivery in the log.
#[utoipa::path(tag = "webhooks", request_body = TestDeliveryRequest,
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses(
        (status = 202, description = "Queued", body = DeliveryResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The webhook is switched off", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`*` is not an event type to send", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/webhooks/{id}/test")]
pub async fn test_webhook(
    state: web::Data<AppState>,
    _admin: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<TestDeliveryRequest>,
) -> Result<HttpResponse, AppError> {
    let JsonBody(req) = body;
    if req.event == EventType::All {
        return Err(AppError::invalid("event", "name one event type, not \"*\""));
    }
    let mut conn = state.conn().await?;
    let hook = super::find(&mut conn, *id).await?;
    if !hook.active {
        return Err(AppError::Conflict(
            "the webhook is switched off; switch it on, or ping it".into(),
        ));
    }
    let event_type = req.event.as_str();
    let (data, sync_token) = match webhooks::sample(&mut conn, event_type).await? {
        Some((data, token)) => (payload::sample_data(event_type, Some(data)), token),
        None => (payload::sample_data(event_type, None), None),
    };
    let delivery = webhooks::enqueue_for(&mut conn, hook.id, event_type, &data, sync_token).await?;
    Ok(HttpResponse::Accepted().json(DeliveryResponse::new(delivery, &[])))
}
