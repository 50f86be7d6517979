use actix_web::http::header;
use actix_web::{HttpResponse, post, web};
use chrono::Utc;
use uuid::Uuid;

use super::dto::{CreateWebhookRequest, CreatedWebhook, WebhookResponse};
use crate::auth::Caller;
use crate::db::webhooks::{self, Webhook};
use crate::domain::problems::Problems;
use crate::domain::webhook::{Debounce, EventTypes, WebhookKind, WebhookUrl};
use crate::error::{AppError, Problem};
use crate::routes::json::JsonBody;
use crate::state::AppState;
use crate::webhooks::signature;

/// Every event is fanned out to every subscription in the transaction of
/// the write that caused it, so their number bounds the work of a write.
pub const MAX_WEBHOOKS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

/// Create a webhook; its signing secret is in this answer only.
///
/// A `webhook` gets a signed JSON POST per event (Standard Webhooks: see
/// the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers
/// in the docs). A `build_hook` gets a bare POST, once per burst of
/// events, for services that rebuild a site on any POST to a secret URL.
#[utoipa::path(tag = "webhooks", request_body = CreateWebhookRequest,
    responses(
        (status = 201, description = "Created; `secret` is shown once", body = CreatedWebhook,
            headers(("Location" = String, description = "The new webhook's URL"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "There are already 100 webhooks", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: a URL that is not http(s) or is internal, no events, a debounce on a webhook…", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    admin: Caller,
    body: JsonBody<CreateWebhookRequest>,
) -> Result<HttpResponse, AppError> {
    let JsonBody(req) = body;
    let mut p = Problems::default();
    let allowed = &state.config.webhooks.allowed_networks;
    let url = p.check("url", WebhookUrl::parse(&req.url, allowed));
    let events = p.check("events", EventTypes::parse(&req.events));
    let description = check_description(&mut p, req.description.as_deref());
    let debounce = p.check("debounce_ms", Debounce::parse(req.kind, req.debounce_ms));
    let (Some(url), Some(events), Some(description), Some(debounce)) =
        (url, events, description, debounce)
    else {
        p.finish()?;
        return Err(anyhow::anyhow!("a field failed to parse without a problem").into());
    };
    let mut conn = state.conn().await?;
    if webhooks::list(&mut conn).await?.len() >= MAX_WEBHOOKS {
        return Err(AppError::Conflict(format!(
            "there are already {MAX_WEBHOOKS} webhooks; delete one first"
        )));
    }
    let secret = (req.kind == WebhookKind::Webhook).then(signature::generate_secret);
    let now = Utc::now();
    let created = webhooks::insert(
        &mut conn,
        &Webhook {
            id: Uuid::now_v7(),
            kind: req.kind.as_str().to_owned(),
            url: url.as_str().to_owned(),
            events: events.to_strings(),
            active: req.active.unwrap_or(true),
            description,
            secret: secret.clone(),
            previous_secret: None,
            previous_secret_expires_at: None,
            debounce_ms: debounce.millis(),
            disabled_reason: None,
            failing_since: None,
            created_by: Some(admin.id),
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    let location = state
        .config
        .public_link(&format!("/api/v1/webhooks/{}", created.id));
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CreatedWebhook {
            info: WebhookResponse::from(created),
            secret,
        }))
}

/// A description: trimmed, blank is none; `None` when too long (the
/// problem is recorded).
pub fn check_description(p: &mut Problems, raw: Option<&str>) -> Option<Option<String>> {
    match raw.map(str::trim) {
        None | Some("") => Some(None),
        Some(d) if d.chars().count() > MAX_DESCRIPTION_CHARS || d.contains('\0') => {
            p.push(
                "description",
                format!("must be at most {MAX_DESCRIPTION_CHARS} characters, without NUL"),
            );
            None
        }
        Some(d) => Some(Some(d.to_owned())),
    }
}
