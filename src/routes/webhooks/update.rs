use actix_web::{patch, web};
use uuid::Uuid;

use super::create::check_description;
use super::dto::{UpdateWebhookRequest, WebhookResponse};
use crate::auth::Caller;
use crate::db::webhooks::{self, WebhookChanges};
use crate::domain::problems::Problems;
use crate::domain::webhook::{Debounce, EventTypes, WebhookKind, WebhookUrl};
use crate::error::{AppError, Problem};
use crate::routes::json::JsonBody;
use crate::state::AppState;

/// Change a webhook: its URL, events, description, debounce, or whether
/// it is on. Switching it on clears why Folio switched it off.
#[utoipa::path(tag = "webhooks", request_body = UpdateWebhookRequest,
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The updated webhook", body = WebhookResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    _admin: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateWebhookRequest>,
) -> Result<web::Json<WebhookResponse>, AppError> {
    let JsonBody(req) = body;
    let mut conn = state.conn().await?;
    let current = super::find(&mut conn, *id).await?;
    let kind = WebhookKind::parse(&current.kind).unwrap_or_default();
    let mut p = Problems::default();
    let allowed = &state.config.webhooks.allowed_networks;
    let url = req
        .url
        .as_deref()
        .map(|u| p.check("url", WebhookUrl::parse(u, allowed)));
    let events = req
        .events
        .as_deref()
        .map(|e| p.check("events", EventTypes::parse(e)));
    let description = req
        .description
        .as_ref()
        .map(|d| check_description(&mut p, d.as_deref()));
    let debounce = req
        .debounce_ms
        .map(|ms| p.check("debounce_ms", Debounce::parse(kind, Some(ms))));
    p.finish()?;
    let changes = WebhookChanges {
        url: url.flatten().map(|u| u.as_str().to_owned()),
        events: events.flatten().map(|e| e.to_strings()),
        active: req.active,
        description: description.flatten(),
        debounce_ms: debounce.flatten().map(Debounce::millis),
    };
    let updated = webhooks::update(&mut conn, *id, changes)
        .await?
        .ok_or(AppError::NotFound("webhook"))?;
    Ok(web::Json(updated.into()))
}
