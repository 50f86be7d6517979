use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::webhooks::{Attempt, Delivery, Webhook};
use crate::domain::webhook::{EventType, WebhookKind};

/// A subscription as every answer shows it: never its secret, and for a
/// build hook (whose URL is its secret) only the URL's origin.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResponse {
    pub id: Uuid,
    pub kind: WebhookKind,
    /// Where deliveries go. A build hook's URL is shown as its origin
    /// followed by `/…`: its path is the secret.
    #[schema(example = "https://example.com/api/revalidate")]
    pub url: String,
    /// The event types wanted; `*` is all of them.
    pub events: Vec<EventType>,
    /// Whether deliveries are made. Folio switches a webhook off when the
    /// receiver answers `410 Gone`, or has failed every delivery for
    /// `FOLIO_WEBHOOK_DISABLE_AFTER_SECS`, and says why in `disabled_reason`.
    pub active: bool,
    pub description: Option<String>,
    /// Build hooks: how long to wait after the last event of a burst.
    pub debounce_ms: i32,
    /// Why Folio switched the webhook off; null when on, or switched off
    /// by an admin.
    pub disabled_reason: Option<String>,
    /// Since when every delivery has failed; null after any success.
    pub failing_since: Option<DateTime<Utc>>,
    /// Until when the secret replaced by the last rotation still signs
    /// deliveries (beside the new one).
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookResponse {
    fn from(w: Webhook) -> Self {
        let kind = WebhookKind::parse(&w.kind).unwrap_or_default();
        let url = match kind {
            WebhookKind::Webhook => w.url,
            WebhookKind::BuildHook => url::Url::parse(&w.url)
                .map(|u| format!("{}/…", u.origin().ascii_serialization()))
                .unwrap_or_else(|_| "…".into()),
        };
        Self {
            id: w.id,
            kind,
            url,
            events: w
                .events
                .iter()
                .filter_map(|e| EventType::parse(e))
                .collect(),
            active: w.active,
            description: w.description,
            debounce_ms: w.debounce_ms,
            disabled_reason: w.disabled_reason,
            failing_since: w.failing_since,
            previous_secret_expires_at: w.previous_secret_expires_at.filter(|at| *at > Utc::now()),
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// A new subscription, with its signing secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub info: WebhookResponse,
    /// The Standard Webhooks signing secret (`whsec_…`); null for a build
    /// hook. Store it now: it is never shown again (rotate it to get a
    /// new one).
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub data: Vec<WebhookResponse>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://example.com/api/revalidate", "events": ["post.published", "post.updated", "post.unpublished", "post.deleted"], "description": "Next.js on-demand revalidation"}))]
pub struct CreateWebhookRequest {
    /// `webhook` (default) or `build_hook`.
    #[serde(default)]
    pub kind: WebhookKind,
    /// An absolute http or https URL. Loopback, private, link-local and
    /// metadata addresses are refused unless the server allows them.
    #[schema(max_length = 2048, format = "uri")]
    pub url: String,
    /// One to 32 event types; `*` for all.
    #[schema(min_items = 1, max_items = 32)]
    pub events: Vec<EventType>,
    /// Default true.
    pub active: Option<bool>,
    /// At most 1,000 characters.
    #[schema(max_length = 1000, pattern = r"^[^\u0000]*$")]
    pub description: Option<String>,
    /// Build hooks only: how long to wait after the last event before
    /// calling (default 10000); a burst is never held more than ten windows.
    #[schema(minimum = 0, maximum = 3600000)]
    pub debounce_ms: Option<u32>,
}

/// A partial update: absent keeps a field; `description: null` clears it.
/// The kind and the secret never change here (rotate the secret instead).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    #[schema(max_length = 2048, format = "uri")]
    pub url: Option<String>,
    #[schema(min_items = 1, max_items = 32)]
    pub events: Option<Vec<EventType>>,
    /// Switching a webhook on clears why it was switched off; switching
    /// it off gives up its pending deliveries (redeliver them by hand).
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable, max_length = 1000, pattern = r"^[^\u0000]*$")]
    pub description: Option<Option<String>>,
    #[schema(minimum = 0, maximum = 3600000)]
    pub debounce_ms: Option<u32>,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSecretRequest {
    /// How long the old secret keeps signing beside the new one, so
    /// receivers can switch without missing a delivery: 0 (stop at once)
    /// to 604800 (7 days). Default 86400 (a day).
    #[schema(minimum = 0, maximum = 604800)]
    pub overlap_seconds: Option<u32>,
}

/// The new secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedSecret {
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
    /// Until then deliveries carry a signature by each secret.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestDeliveryRequest {
    /// The event type to send an example of (not `*`); it need not be one
    /// the webhook subscribes to. Its data is the newest published post
    /// (or tag), marked `"test": true`.
    pub event: EventType,
}

/// One delivery of one event to one webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryResponse {
    pub id: Uuid,
    /// The event, and the `webhook-id` header of every attempt: the same
    /// across retries and redeliveries, for receivers to de-duplicate.
    pub event_id: Uuid,
    #[schema(example = "post.published")]
    pub event_type: String,
    /// `pending` (waiting for its next attempt), `succeeded` or `failed`
    /// (attempts used up, or the webhook was switched off).
    #[schema(example = "succeeded")]
    pub state: String,
    /// Attempts made so far.
    pub attempts: i32,
    /// When a pending delivery is tried next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Every attempt, first to last.
    pub attempt_log: Vec<AttemptResponse>,
}

impl DeliveryResponse {
    pub fn new(d: Delivery, attempts: &[Attempt]) -> Self {
        Self {
            attempt_log: attempts
                .iter()
                .filter(|a| a.delivery_id == d.id)
                .map(AttemptResponse::from)
                .collect(),
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type,
            next_attempt_at: (d.state == "pending").then_some(d.next_attempt_at),
            state: d.state,
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
            created_at: d.created_at,
            completed_at: d.completed_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptResponse {
    /// 1 for the first.
    pub attempt: i32,
    /// The receiver's status; null when there was no answer.
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    /// What went wrong: a timeout, a refused connection, a refused
    /// (internal) address, a non-2xx status.
    pub error: Option<String>,
    /// The first 1,024 bytes of the receiver's answer.
    pub response_snippet: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<&Attempt> for AttemptResponse {
    fn from(a: &Attempt) -> Self {
        Self {
            attempt: a.attempt,
            status_code: a.status_code,
            latency_ms: a.latency_ms,
            error: a.error.clone(),
            response_snippet: a.response_snippet.clone(),
            at: a.at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    /// Newest first.
    pub data: Vec<DeliveryResponse>,
    /// Pass as `cursor` for the next (older) page; null on the last page.
    pub next_cursor: Option<Uuid>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryListQuery {
    /// 1–100; default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
}

/// What a ping came to: the receiver's answer to a `webhook.ping` event,
/// sent at once (and logged like any delivery).
#[derive(Debug, Serialize, ToSchema)]
pub struct PingResult {
    /// Whether the receiver answered 2xx.
    pub ok: bool,
    pub delivery: DeliveryResponse,
}
