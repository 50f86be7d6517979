//! The delivery worker every instance runs.
//!
//! It sleeps until an event may have been committed (a `NOTIFY
//! folio_webhooks` from the outbox trigger when another program wrote, or
//! the wake-up Folio sends on `folio_content` after its own writes commit,
//! see [`crate::db::wake`]) or the poll interval passes (for retries
//! falling due, and for a lost `LISTEN` connection), then claims due deliveries,
//! at most as many as it has free slots, and sends each one. Nothing is
//! kept in memory between attempts: a delivery's state, attempt count
//! and next attempt time are rows, so a restart or a crash mid-retry
//! resumes from the database, on this instance or another.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::StreamExt;
use rand::Rng;
use tokio::sync::{Notify, Semaphore};

use super::{payload, signature, target};
use crate::config::webhooks::WebhookConfig;
use crate::db::webhooks::{self as db, AfterFailure, AttemptResult, Claimed};
use crate::middleware::metrics;
use crate::state::AppState;

/// The channel the outbox trigger notifies on.
const CHANNEL: &str = "folio_webhooks";
/// Bytes of a receiver's answer kept in the log.
const SNIPPET_BYTES: usize = 1024;
/// How often the log is pruned and the queue counted.
const HOUSEKEEPING: Duration = Duration::from_secs(60);
/// Most deliveries claimed by one query.
const CLAIM_BATCH: usize = 32;

/// Runs for the life of the process.
pub async fn run(state: AppState) {
    let config = state.config.webhooks.clone();
    let client = match target::client(&config) {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "webhooks: cannot build the HTTP client; deliveries stop");
            return;
        }
    };
    let wake = Arc::new(Notify::new());
    tokio::spawn(listen(
        wake.clone(),
        state.config.database.listen_url.expose().clone(),
        state.config.database.timeout,
    ));
    let slots = Arc::new(Semaphore::new(config.concurrency));
    let mut last_housekeeping: Option<Instant> = None;
    loop {
        if state.is_prepared() {
            claim_and_send(&state, &client, &slots, &wake).await;
            if last_housekeeping.is_none_or(|at| at.elapsed() >= HOUSEKEEPING) {
                housekeeping(&state).await;
                last_housekeeping = Some(Instant::now());
            }
        }
        // A notification that came while busy is kept by `Notify`, so
        // none is missed between the claim and this wait.
        let _ = tokio::time::timeout(config.poll, wake.notified()).await;
    }
}

/// Claims and starts sending until nothing is due or no slot is free.
async fn claim_and_send(
    state: &AppState,
    client: &reqwest::Client,
    slots: &Arc<Semaphore>,
    wake: &Arc<Notify>,
) {
    loop {
        let free = slots.available_permits().min(CLAIM_BATCH);
        if free == 0 {
            // A finishing delivery wakes the loop to claim more.
            return;
        }
        let claimed = match state.pool.get().await {
            Ok(mut conn) => db::claim(&mut conn, free as i64, lease(&state.config.webhooks)).await,
            Err(e) => {
                tracing::warn!(error = %e, "webhooks: no database connection");
                return;
            }
        };
        let claimed = match claimed {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::warn!(error = %e, "webhooks: claiming deliveries failed");
                return;
            }
        };
        let got = claimed.len();
        for delivery in claimed {
            let permit = slots
                .clone()
                .try_acquire_owned()
                .expect("claimed only free slots");
            let (state, client, wake) = (state.clone(), client.clone(), wake.clone());
            tokio::spawn(async move {
                deliver(&state, &client, delivery).await;
                drop(permit);
                wake.notify_one();
            });
        }
        if got < free {
            return;
        }
    }
}

/// How long a claim holds a delivery: longer than an attempt can take,
/// so only a dead worker's claim runs out.
pub fn lease(config: &WebhookConfig) -> Duration {
    config.timeout * 2 + Duration::from_secs(30)
}

/// Sends one claimed delivery and records what happened.
pub async fn deliver(
    state: &AppState,
    client: &reqwest::Client,
    claimed: Claimed,
) -> AttemptResult {
    let config = &state.config.webhooks;
    let (result, retry_after) = send(state, client, &claimed).await;
    let after_failure = if claimed.attempt as u32 >= config.max_attempts
        || result.status_code == Some(410)
        || claimed.event_type == payload::PING
    {
        AfterFailure::GiveUp
    } else {
        AfterFailure::RetryIn(
            backoff(config, claimed.attempt as u32)
                .max(retry_after.unwrap_or_default())
                .min(config.retry_max),
        )
    };
    let outcome = match (result.succeeded(), after_failure) {
        (true, _) => "succeeded",
        (false, AfterFailure::RetryIn(_)) => "retrying",
        (false, AfterFailure::GiveUp) => "failed",
    };
    metrics::webhook_delivery(outcome);
    // Which webhook and delivery, never the URL (a build hook's URL is its
    // secret) nor a signature.
    tracing::info!(
        webhook = %claimed.webhook_id,
        delivery = %claimed.delivery_id,
        event = %claimed.event_type,
        attempt = claimed.attempt,
        status = result.status_code,
        latency_ms = result.latency.as_millis() as u64,
        error = result.error.as_deref(),
        outcome,
        "webhook delivery attempt"
    );
    let recorded = match state.pool.get().await {
        Ok(mut conn) => {
            db::record_attempt(
                &mut conn,
                &claimed,
                &result,
                after_failure,
                config.disable_after,
            )
            .await
        }
        Err(e) => Err(diesel::result::Error::QueryBuilderError(
            e.to_string().into(),
        )),
    };
    match recorded {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            delivery = %claimed.delivery_id,
            "webhooks: the claim ran out before the attempt was recorded; another worker has it"
        ),
        // The lease runs out and the delivery is tried again: at least once.
        Err(e) => {
            tracing::warn!(delivery = %claimed.delivery_id, error = %e, "webhooks: recording an attempt failed")
        }
    }
    result
}

/// Makes one HTTP attempt. Returns what came of it, and how long the
/// receiver asked to be left alone (`Retry-After` on a 429 or 503).
async fn send(
    state: &AppState,
    client: &reqwest::Client,
    claimed: &Claimed,
) -> (AttemptResult, Option<Duration>) {
    let started = Instant::now();
    let failed = |error: String| AttemptResult {
        status_code: None,
        latency: started.elapsed(),
        error: Some(error),
        response_snippet: None,
    };
    let url = match target::check_url(&claimed.url, &state.config.webhooks.allowed_networks) {
        Ok(url) => url,
        Err(refused) => return (failed(format!("refused: {refused}")), None),
    };
    let request = if claimed.kind == "build_hook" {
        // Vercel, Netlify and Cloudflare Pages build on any POST to the URL.
        client.post(url).header(reqwest::header::CONTENT_LENGTH, 0)
    } else {
        let body = payload::body(
            &state.config,
            claimed.event_id,
            &claimed.event_type,
            claimed.event_at,
            &claimed.data,
            claimed.sync_token,
        );
        let body = serde_json::to_vec(&body).expect("JSON values serialise");
        let id = claimed.event_id.to_string();
        let now = Utc::now();
        let signature = signature::sign(&claimed.signing_secrets(now), &id, now.timestamp(), &body);
        client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", now.timestamp().to_string())
            .header("webhook-signature", signature)
            .body(body)
    };
    let mut response = match request.send().await {
        Ok(response) => response,
        Err(e) => return (failed(describe(&e)), None),
    };
    let status = response.status().as_u16();
    let retry_after = matches!(status, 429 | 503)
        .then(|| response.headers().get(reqwest::header::RETRY_AFTER))
        .flatten()
        .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let mut snippet = Vec::new();
    let mut error = None;
    while snippet.len() < SNIPPET_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => snippet.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => {
                error = Some(describe(&e));
                break;
            }
        }
    }
    snippet.truncate(SNIPPET_BYTES);
    let error = error.or_else(|| match status {
        200..=299 => None,
        300..=399 => Some(format!(
            "the receiver answered {status}; redirects are not followed"
        )),
        _ => Some(format!("the receiver answered {status}")),
    });
    let result = AttemptResult {
        status_code: Some(status),
        latency: started.elapsed(),
        error,
        response_snippet: (!snippet.is_empty())
            .then(|| String::from_utf8_lossy(&snippet).into_owned()),
    };
    (result, retry_after)
}

/// An HTTP client error in a sentence, with its causes (the SSRF guard's
/// refusal is a cause of a connect error), never the URL.
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "the request failed"
    };
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !causes.contains(&text) {
            causes.push(text);
        }
        source = cause.source();
    }
    if causes.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {}", causes.join(": "))
    }
}

/// The wait before attempt `attempt + 1`: the base doubled per attempt,
/// capped, with "equal jitter" (half fixed, half random) so that many
/// deliveries failing together do not retry together.
pub fn backoff(config: &WebhookConfig, attempt: u32) -> Duration {
    let exp = config
        .retry_base
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(30)))
        .min(config.retry_max);
    let half = exp / 2;
    half + half.mul_f64(rand::rng().random::<f64>())
}

/// Prunes old log entries and counts the queue for the metrics.
async fn housekeeping(state: &AppState) {
    let Ok(mut conn) = state.pool.get().await else {
        return;
    };
    match db::prune(&mut conn, state.config.webhooks.log_retention).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(deliveries = n, "webhooks: pruned the delivery log"),
        Err(e) => tracing::warn!(error = %e, "webhooks: pruning the delivery log failed"),
    }
    if let Ok(depth) = db::queue_depth(&mut conn).await {
        metrics::webhook_queue_depth(depth);
    }
}

/// Wakes the worker on every committed event. Losing the connection only
/// slows delivery to the poll interval.
async fn listen(wake: Arc<Notify>, url: String, timeout: Duration) {
    let mut delay = Duration::from_millis(100);
    loop {
        match crate::db::listen::connect(&url, CHANNEL, timeout).await {
            Ok(mut conn) => {
                // Folio's own writes announce their events with a wake-up
                // sent after commit, not from the transaction.
                let woken = crate::db::listen::run(
                    &mut conn,
                    &format!("LISTEN {}", crate::db::wake::CHANNEL),
                    timeout,
                )
                .await;
                if woken.is_err() {
                    tracing::debug!("webhooks: cannot listen for wake-ups yet");
                    tokio::time::sleep(delay).await;
                    continue;
                }
                delay = Duration::from_millis(100);
                // Events committed while not listening are found now.
                wake.notify_one();
                let mut notifications = std::pin::pin!(conn.notifications_stream());
                while let Some(Ok(_)) = notifications.next().await {
                    wake.notify_one();
                }
                tracing::debug!("webhooks: the notification connection was lost");
            }
            Err(reason) => tracing::debug!(%reason, "webhooks: cannot listen yet"),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let config = crate::config::test_config(&[
            ("FOLIO_WEBHOOK_RETRY_BASE_MS", "1000"),
            ("FOLIO_WEBHOOK_RETRY_MAX_MS", "10000"),
        ])
        .unwrap()
        .webhooks;
        for (attempt, full) in [
            (1, 1000),
            (2, 2000),
            (3, 4000),
            (4, 8000),
            (5, 10000),
            (40, 10000),
        ] {
            for _ in 0..50 {
                let wait = backoff(&config, attempt).as_millis() as u64;
                assert!(
                    (full / 2..=full).contains(&wait),
                    "attempt {attempt}: {wait}"
                );
            }
        }
    }
}
