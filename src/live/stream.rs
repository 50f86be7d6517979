//! One subscriber's stream: what it missed (from the database, after its
//! `Last-Event-ID`), then what happens, with heartbeats that also re-check
//! its credential, until it leaves, loses its access, or the instance
//! stops.

use std::convert::Infallible;
use std::sync::Arc;

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::Bytes;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

use super::event::{Relayed, Subscriber, frame};
use super::hub::Subscription;
use crate::auth::preview;
use crate::db::live;
use crate::error::AppError;
use crate::state::AppState;

/// Changes read per query while replaying.
const BATCH: i64 = 500;
/// Frames waiting for a slow client before the stream stops reading.
const PENDING: usize = 32;
/// How long a client waits before reconnecting after the stream ends.
const RETRY_MS: u32 = 3000;

/// The credential a stream was opened with, checked again at every
/// heartbeat: a revoked key, an ended session or a revoked preview link
/// ends the stream within one heartbeat.
#[derive(Debug, Clone)]
pub enum Credential {
    Anonymous,
    Bearer(String),
    Preview(String),
}

pub struct Stream {
    pub subscriber: Subscriber,
    pub credential: Credential,
    /// Resume after this change number: the one the client names, or the
    /// latest when it subscribed.
    pub since: i64,
}

/// Starts the stream and returns its response; the work runs in its own
/// task, which ends when the client goes away.
pub fn open(state: AppState, subscription: Subscription, stream: Stream) -> HttpResponse {
    let (tx, rx) = mpsc::channel::<Bytes>(PENDING);
    tokio::spawn(run(state, subscription, stream, tx));
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|frame| (Ok::<_, Infallible>(frame), rx))
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // Proxies such as nginx would otherwise hold events back.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body)
}

/// Why a stream ended, told to the client as its last event.
enum End {
    /// The client went away: nothing to tell.
    Gone,
    Event(&'static str, &'static str),
}

async fn run(
    state: AppState,
    mut subscription: Subscription,
    stream: Stream,
    tx: mpsc::Sender<Bytes>,
) {
    let end = follow(&state, &mut subscription, &stream, &tx).await;
    if let End::Event(name, detail) = end {
        let data = serde_json::json!({ "detail": detail });
        let _ = tx
            .send(Bytes::from(format!("event: {name}\ndata: {data}\n\n")))
            .await;
    }
}

async fn send(tx: &mpsc::Sender<Bytes>, text: impl Into<Bytes>) -> Result<(), End> {
    tx.send(text.into()).await.map_err(|_| End::Gone)
}

async fn follow(
    state: &AppState,
    subscription: &mut Subscription,
    stream: &Stream,
    tx: &mpsc::Sender<Bytes>,
) -> End {
    let result = async {
        send(tx, format!(": folio events\nretry: {RETRY_MS}\n\n")).await?;
        let mut last = replay(state, stream.subscriber, stream.since, tx).await?;
        let heartbeat = state.config.live.heartbeat;
        let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
        loop {
            tokio::select! {
                received = subscription.changes.recv() => match received {
                    Ok(change) => last = deliver(state, stream.subscriber, &change, last, tx).await?,
                    // Fell behind the instance's buffer: what it missed is
                    // in the database.
                    Err(RecvError::Lagged(_)) => last = replay(state, stream.subscriber, last, tx).await?,
                    Err(RecvError::Closed) => return Err(End::Event("shutdown", "the server is stopping")),
                },
                _ = beat.tick() => {
                    still_allowed(state, stream).await?;
                    send(tx, Bytes::from_static(b": heartbeat\n\n")).await?;
                }
                _ = subscription.closing.changed() => {
                    return Err(End::Event("shutdown", "the server is stopping; reconnect with Last-Event-ID"));
                }
                () = tx.closed() => return Err(End::Gone),
            }
        }
    }
    .await;
    match result {
        Ok(()) => End::Gone,
        Err(end) => end,
    }
}

/// Sends a change the subscriber may see and has not been sent yet;
/// returns the last change number handled.
async fn deliver(
    state: &AppState,
    subscriber: Subscriber,
    relayed: &Arc<Relayed>,
    last: i64,
    tx: &mpsc::Sender<Bytes>,
) -> Result<i64, End> {
    let change = &relayed.change;
    if change.seq <= last {
        return Ok(last);
    }
    if subscriber.sees(change) {
        send(tx, relayed.frame(&state.config)).await?;
    }
    Ok(change.seq)
}

/// Sends every change after `since` the subscriber may see, from the
/// database; returns the last change number handled.
async fn replay(
    state: &AppState,
    subscriber: Subscriber,
    mut since: i64,
    tx: &mpsc::Sender<Bytes>,
) -> Result<i64, End> {
    loop {
        let batch = {
            let mut conn = state.conn().await.map_err(unavailable)?;
            live::changes_since(&mut conn, since, subscriber.filter(), BATCH)
                .await
                .map_err(|e| unavailable(e.into()))?
        };
        let full = batch.len() as i64 == BATCH;
        for change in batch {
            if subscriber.sees(&change) {
                send(tx, frame(&state.config, &change)).await?;
            }
            since = change.seq;
        }
        if !full {
            return Ok(since);
        }
    }
}

fn unavailable(e: AppError) -> End {
    tracing::warn!(error = %e, "event stream: the database is unavailable");
    End::Event(
        "unavailable",
        "the database is unavailable; reconnect with Last-Event-ID",
    )
}

/// Checks the stream's credential again, as a new request would.
async fn still_allowed(state: &AppState, stream: &Stream) -> Result<(), End> {
    let denied = End::Event(
        "unauthorized",
        "the credential is no longer valid; the stream ends",
    );
    match (&stream.credential, stream.subscriber) {
        (Credential::Anonymous, _) => Ok(()),
        (Credential::Bearer(token), Subscriber::Reader(visibility)) => {
            match crate::auth::extractor::authenticate(state, token).await {
                Ok(caller) if caller.visibility() == visibility => Ok(()),
                Ok(_) => Err(End::Event(
                    "reconnect",
                    "what this credential may see has changed; reconnect with Last-Event-ID",
                )),
                Err(AppError::Unavailable) => Ok(()),
                Err(_) => Err(denied),
            }
        }
        (Credential::Preview(token), Subscriber::Preview(post)) => {
            match preview::authenticate(state, token).await {
                Ok(grant) if grant.post_id == post => Ok(()),
                Err(AppError::Unavailable) => Ok(()),
                _ => Err(denied),
            }
        }
        _ => Err(denied),
    }
}
