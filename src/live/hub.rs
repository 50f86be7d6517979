//! One instance's side of the event stream: a follower that hears every
//! committed change through PostgreSQL and hands it to this instance's
//! streams, and the cap on how many streams it holds.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel_async::AsyncPgConnection;
use futures_util::{FutureExt, StreamExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, broadcast, watch};

use super::event::Relayed;
use crate::db::live::{self, Filter};
use crate::db::wake::CHANNEL;
use crate::error::AppError;

/// The follower also looks every so often without a notification: one
/// missed while it reconnected must not hold a change back for long.
const SAFETY_POLL: Duration = Duration::from_secs(2);
/// Changes read per query while catching up.
const BATCH: i64 = 500;
/// Changes held for streams that read slowly; one that falls further
/// behind replays from the database instead.
const BUFFER: usize = 1024;

pub struct Hub {
    listen_url: String,
    timeout: Duration,
    changes: broadcast::Sender<Arc<Relayed>>,
    slots: Arc<Semaphore>,
    /// Open streams by client address, so one client cannot take every
    /// slot of the instance.
    clients: Arc<Mutex<HashMap<IpAddr, usize>>>,
    per_client: usize,
    following: AtomicBool,
    closing: watch::Sender<bool>,
}

/// A stream's place on this instance: its slot is freed when it ends.
pub struct Subscription {
    pub changes: broadcast::Receiver<Arc<Relayed>>,
    pub closing: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
    _client: Option<ClientSlot>,
}

/// One of a client's streams; counted down when the stream ends.
struct ClientSlot {
    clients: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = clients.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                clients.remove(&self.ip);
            }
        }
    }
}

impl Hub {
    pub fn new(
        listen_url: String,
        timeout: Duration,
        max_streams: usize,
        per_client: usize,
    ) -> Self {
        Self {
            clients: Arc::default(),
            per_client,
            listen_url,
            timeout,
            changes: broadcast::channel(BUFFER).0,
            slots: Arc::new(Semaphore::new(max_streams)),
            following: AtomicBool::new(false),
            closing: watch::channel(false).0,
        }
    }

    /// A place for one more stream: a 429 when this client (by address)
    /// holds as many as one may, a 503 when this instance holds as many as
    /// it may (or is shutting down).
    pub fn subscribe(self: &Arc<Self>, client: Option<IpAddr>) -> Result<Subscription, AppError> {
        if *self.closing.borrow() {
            return Err(AppError::AtCapacity(
                "this instance is shutting down".into(),
            ));
        }
        let client = match client {
            None => None,
            Some(ip) => {
                let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
                let open = clients.entry(ip).or_insert(0);
                if *open >= self.per_client {
                    return Err(AppError::TooManyRequests(5));
                }
                *open += 1;
                Some(ClientSlot {
                    clients: self.clients.clone(),
                    ip,
                })
            }
        };
        let slot = self.slots.clone().try_acquire_owned().map_err(|_| {
            AppError::AtCapacity(
                "this instance holds as many event streams as it may; try again shortly".into(),
            )
        })?;
        Ok(Subscription {
            changes: self.changes.subscribe(),
            closing: self.closing.subscribe(),
            _slot: slot,
            _client: client,
        })
    }

    /// Starts the follower, once, after `head`: the latest change the
    /// first subscriber read *after* it subscribed, so that every change
    /// committed later reaches it (by the follower, or by its own replay).
    /// An instance nobody subscribes to keeps no connection for it.
    pub fn start_following(self: &Arc<Self>, head: i64) {
        if !self.following.swap(true, Ordering::AcqRel) {
            tokio::spawn(follow(self.clone(), head));
        }
    }

    /// Ends every stream (on shutdown), each with a last event saying so.
    pub fn close_all(&self) {
        self.closing.send_replace(true);
    }
}

/// Runs for the life of the process once started: listens, reads what
/// changed after the last change it handed out, hands it out.
async fn follow(hub: Arc<Hub>, mut head: i64) {
    let mut delay = Duration::from_millis(100);
    loop {
        match crate::db::listen::connect(&hub.listen_url, CHANNEL, hub.timeout).await {
            Ok(mut conn) => {
                delay = Duration::from_millis(100);
                let reason = relay(&hub, &mut conn, &mut head).await;
                tracing::warn!(%reason, "event stream: the notification connection was lost");
            }
            Err(reason) => tracing::debug!(%reason, "event stream: cannot listen yet"),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

/// Relays changes until the connection fails; returns why it stopped.
/// `head` is the last change handed out, kept across reconnections so
/// that nothing committed meanwhile is skipped.
async fn relay(hub: &Hub, conn: &mut AsyncPgConnection, head: &mut i64) -> String {
    loop {
        let woken = {
            let mut notifications = std::pin::pin!(conn.notifications_stream());
            let woken = tokio::time::timeout(SAFETY_POLL, notifications.next()).await;
            // What is already queued is served by the same read.
            if matches!(woken, Ok(Some(Ok(_)))) {
                while let Some(Some(Ok(_))) = notifications.next().now_or_never() {}
            }
            woken
        };
        match woken {
            Ok(Some(Ok(_))) | Err(_) => {}
            Ok(Some(Err(e))) => return e.to_string(),
            Ok(None) => return "the connection closed".into(),
        }
        // Read even when no stream is open: a subscriber that arrives
        // meanwhile must find the head where its own start left it.
        loop {
            let since = *head;
            let batch = match tokio::time::timeout(
                hub.timeout,
                live::changes_since(conn, since, Filter::EVERYTHING, BATCH),
            )
            .await
            {
                Ok(Ok(batch)) => batch,
                Ok(Err(e)) => return e.to_string(),
                Err(_) => return "reading changes timed out".into(),
            };
            let full = batch.len() as i64 == BATCH;
            for change in batch {
                *head = change.seq;
                // No receivers is not an error: they may all have left.
                let _ = hub.changes.send(Arc::new(Relayed::new(change)));
            }
            if !full {
                break;
            }
        }
    }
}

/// Ends every stream when the process is asked to stop, so that the
/// server's graceful shutdown is not held up by connections that would
/// never finish on their own.
pub async fn end_streams_on_shutdown(hub: Arc<Hub>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    hub.close_all();
}
