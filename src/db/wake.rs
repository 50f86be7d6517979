//! Tells every instance that this one committed a change to posts, after
//! the commit.
//!
//! The posts' triggers do not `NOTIFY` from Folio's own writes (its pooled
//! connections set `folio.notify = after_commit`, migration
//! `2026-12-04-000000_notify_after_commit`): a transaction that notifies
//! takes PostgreSQL's one notification-queue lock at commit and holds it
//! through the flush of its commit record, so notifying writers commit one
//! at a time. Instead, what changed is read by each instance's followers
//! (the read cache's and the event stream's) from the change numbers, and
//! this task only wakes them: one `NOTIFY folio_content, 'wake'` after
//! commits, coalesced (many writes while one is being sent make one more),
//! on a connection of its own with `synchronous_commit = off`, so the lock
//! is held for microseconds and no flush is waited for. A wake-up that is
//! lost (this process dies after a commit) only delays the others until
//! their next look, within a second.

use std::sync::Arc;
use std::time::Duration;

use diesel_async::AsyncPgConnection;
use tokio::sync::Notify;

use super::listen;

/// The channel the followers listen on (the content triggers' channel).
pub const CHANNEL: &str = "folio_content";
/// The payload of a wake-up: nothing to drop by itself, read the changes.
pub const WAKE: &str = "wake";

/// A handle that asks for a wake-up; cheap to clone and to call.
#[derive(Clone, Default)]
pub struct Waker {
    pending: Arc<Notify>,
}

impl Waker {
    /// Asks for a wake-up after this instance committed a change; never
    /// waits.
    pub fn wake(&self) {
        self.pending.notify_one();
    }

    /// Runs for the life of the process: sends one wake-up per round of
    /// requests. A failure drops the connection and the next request makes
    /// a new one; the followers' own polling covers what was not sent.
    pub async fn run(self, url: String, timeout: Duration) {
        let mut conn: Option<AsyncPgConnection> = None;
        loop {
            self.pending.notified().await;
            if conn.is_none() {
                conn = connect(&url, timeout).await.ok();
            }
            let Some(c) = conn.as_mut() else { continue };
            let notify = format!("NOTIFY {CHANNEL}, '{WAKE}'");
            if let Err(reason) = listen::run(c, &notify, timeout).await {
                tracing::debug!(%reason, "could not send a wake-up; reconnecting at the next write");
                conn = None;
            }
        }
    }
}

async fn connect(url: &str, timeout: Duration) -> Result<AsyncPgConnection, String> {
    let mut conn = listen::establish(url, timeout).await?;
    // The notification carries nothing to keep: its commit need not wait
    // for the disk, and so holds the queue's lock only for a moment.
    listen::run(&mut conn, "SET synchronous_commit = off", timeout).await?;
    Ok(conn)
}
