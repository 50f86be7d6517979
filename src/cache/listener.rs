//! Keeps the read cache coherent with the database: one `LISTEN`
//! connection per instance hears every committed change (the triggers of
//! migration `read_cache_notify`), and a second task keeps the cache's
//! horizon (when the next scheduled post falls due).

use std::sync::Arc;
use std::time::Duration;

use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;

use super::ResponseCache;
use crate::db::DbPool;

/// The channel the triggers notify on.
const CHANNEL: &str = "folio_content";
/// How long the `LISTEN` connection may stay quiet before it is checked:
/// a connection that died without a word (a cut cable, a NAT timeout)
/// must not keep the cache on.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// Runs for the life of the process: connects, listens, invalidates on
/// every notification; when the connection is lost the cache is off until
/// a new one is listening.
pub async fn listen(cache: Arc<ResponseCache>, url: String, timeout: Duration) {
    let mut delay = Duration::from_millis(100);
    loop {
        match crate::db::listen::connect(&url, CHANNEL, timeout).await {
            Ok(mut conn) => {
                cache.set_online(true);
                tracing::info!("read cache on: listening for changes");
                delay = Duration::from_millis(100);
                let reason = follow(&cache, &mut conn, timeout).await;
                cache.set_online(false);
                tracing::warn!(%reason, "read cache off: the notification connection was lost");
            }
            Err(reason) => tracing::debug!(%reason, "read cache: cannot listen yet"),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

/// Invalidates on each notification until the connection fails; returns
/// why it stopped.
async fn follow(cache: &ResponseCache, conn: &mut AsyncPgConnection, timeout: Duration) -> String {
    loop {
        let next = {
            let mut notifications = std::pin::pin!(conn.notifications_stream());
            tokio::time::timeout(HEARTBEAT, notifications.next()).await
        };
        match next {
            Ok(Some(Ok(_))) => cache.invalidate(),
            Ok(Some(Err(e))) => return e.to_string(),
            Ok(None) => return "the connection closed".into(),
            Err(_quiet) => {
                match tokio::time::timeout(timeout, diesel::sql_query("SELECT 1").execute(conn))
                    .await
                {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => return e.to_string(),
                    Err(_) => return "the heartbeat timed out".into(),
                }
            }
        }
    }
}

/// Runs for the life of the process: after every invalidation, looks up
/// when the next scheduled post falls due (by the database's clock, which
/// decides visibility), so the cache can drop everything at that moment.
pub async fn track_horizon(cache: Arc<ResponseCache>, pool: DbPool) {
    loop {
        cache.horizon_wanted().await;
        // Going online invalidates, which asks again.
        while cache.is_online() {
            let ticket = cache.generation();
            match next_due(&pool).await {
                Ok(due_in) => {
                    cache.set_horizon(ticket, due_in);
                    break;
                }
                Err(reason) => {
                    tracing::debug!(%reason, "read cache: cannot look up scheduled posts yet");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }
}

async fn next_due(pool: &DbPool) -> Result<Option<Duration>, String> {
    use crate::db::schema::posts;
    use diesel::dsl::{min, now};
    use diesel::{ExpressionMethods, IntoSql, QueryDsl};

    let mut conn = pool.get().await.map_err(|e| e.to_string())?;
    // Query-builder only, so diesel prepares it once per connection: it
    // runs after every write.
    let (next, db_now): (
        Option<chrono::DateTime<chrono::Utc>>,
        chrono::DateTime<chrono::Utc>,
    ) = posts::table
        .filter(posts::status.eq("scheduled"))
        .filter(posts::published_at.gt(now))
        .select((
            min(posts::published_at),
            now.into_sql::<diesel::sql_types::Timestamptz>(),
        ))
        .get_result(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    // The database's clock decides visibility, so the wait is measured on it.
    Ok(next.map(|at| (at - db_now).to_std().unwrap_or_default()))
}
