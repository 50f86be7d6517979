//! `GET /api/v1/events`: content changes as server-sent events.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::MaybeCaller;
use crate::auth::extractor::bearer;
use crate::auth::preview::{self, MaybePreview};
use crate::error::{AppError, Problem};
use crate::live::event::Subscriber;
use crate::live::stream::{self, Credential, Stream};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Start after this `/sync` token: every change after it is sent
    /// first. `Last-Event-ID` wins when both are sent.
    #[param(max_length = 19, pattern = "^[0-9]{1,19}$", example = "0")]
    pub since: Option<String>,
    /// A preview link's token (for an `EventSource`, which cannot send
    /// headers): the stream then carries its one post's changes.
    #[param(max_length = 64, pattern = "^folio_pv_[A-Za-z0-9_-]{43}$")]
    pub preview_token: Option<String>,
}

fn sync_token(field: &str, raw: &str) -> Result<i64, AppError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| AppError::invalid(field, "must be a /sync token: digits"))
}

/// Stream content changes as server-sent events.
///
/// Each event's `event` is its type: `post.published`, `post.updated`,
/// `post.unpublished` and `post.deleted` (public changes, with the same
/// payload a webhook gets), and for subscribers who may see drafts
/// `draft.updated` and `draft.deleted`. Each event's `id` is the `/sync`
/// token after the change; a client that reconnects with `Last-Event-ID`
/// (browsers' `EventSource` does) or `since` is first sent every change
/// it missed, none twice. Replays reach as far back as the outbox is
/// kept (`FOLIO_WEBHOOK_LOG_DAYS`); a client away longer should catch up
/// with `/sync` first.
///
/// Anonymous subscribers and keys without `preview:read` see public
/// changes; signed-in users also the drafts they may read; a preview
/// token its one post's changes. Comments (`: heartbeat`) keep idle
/// connections open; at each, the credential is checked again. A stream
/// ends with an `unauthorized`, `reconnect`, `unavailable` or `shutdown`
/// event saying why. Each instance holds `FOLIO_EVENTS_MAX_STREAMS`
/// streams, and `FOLIO_EVENTS_MAX_STREAMS_PER_CLIENT` per client address;
/// past those it answers 503, or 429 for one client, with `Retry-After`.
#[utoipa::path(tag = "events",
    params(
        EventsQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "The `id` of the last event received: resume after it", max_length = 19, pattern = "^[0-9]{1,19}$"),
    ),
    responses(
        (status = 200, description = "The stream (`text/event-stream`), open until the client leaves", body = String, content_type = "text/event-stream"),
        (status = 401, description = "A credential that is invalid or expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed `since` or `Last-Event-ID`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "This client holds as many streams on this instance as one may",
            body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait before reconnecting"))),
        (status = 503, description = "This instance holds as many streams as it may, or is stopping",
            body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait before reconnecting"))),
    ))]
#[get("/events")]
pub async fn stream_events(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    grant: MaybePreview,
    query: web::Query<EventsQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let last_event_id = req
        .headers()
        .get("last-event-id")
        .map(|v| v.to_str().unwrap_or("x"))
        .filter(|v| !v.trim().is_empty());
    let since = match (last_event_id, query.since.as_deref()) {
        (Some(id), _) => Some(sync_token("Last-Event-ID", id)?),
        (None, Some(since)) => Some(sync_token("since", since)?),
        (None, None) => None,
    };
    let (subscriber, credential) = match (grant.0, caller.0) {
        (Some(grant), _) => {
            let token = preview::token_of(bearer(&req)?.as_deref(), req.query_string())
                .ok_or_else(|| AppError::Unauthorized("a preview token is required".into()))?;
            (
                Subscriber::Preview(grant.post_id),
                Credential::Preview(token),
            )
        }
        (None, Some(caller)) => {
            let token = bearer(&req)?
                .ok_or_else(|| AppError::Unauthorized("authentication required".into()))?;
            (
                Subscriber::Reader(caller.visibility()),
                Credential::Bearer(token),
            )
        }
        (None, None) => (
            Subscriber::Reader(crate::domain::Visibility::Published),
            Credential::Anonymous,
        ),
    };
    let client = crate::middleware::rate_limit::client_ip(
        req.peer_addr().map(|a| a.ip()),
        req.headers(),
        &state.config.server.trusted_proxies,
    )
    .map(crate::middleware::rate_limit::per_client);
    let subscription = state.live.subscribe(client)?;
    // Read after subscribing: every change after it reaches this stream,
    // through the instance's follower or the stream's own replay. Read
    // before answering: a client that writes as soon as it sees the 200
    // gets that write's event.
    let (latest, taken) = {
        let mut conn = state.conn().await?;
        crate::db::live::latest(&mut conn).await?
    };
    state.live.start_following(latest);
    Ok(stream::open(
        state.get_ref().clone(),
        subscription,
        Stream {
            subscriber,
            credential,
            // An id from the future (another database, a typo) would
            // silence the stream until the log caught up with it.
            since: since.map_or(latest, |since| since.min(taken)),
        },
    ))
}
