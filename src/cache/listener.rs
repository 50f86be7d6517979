//! Keeps the read cache coherent with the database: one `LISTEN`
//! connection per instance follows every committed change, and a second
//! task keeps the cache's horizon (when the next scheduled post falls due).
//!
//! Changes to posts are read from their change numbers ([`sync::changed_keys`]),
//! up to the horizon below which every number is final: after each
//! notification (Folio's own writes send a bare wake-up after commit,
//! [`crate::db::wake`]) and at least every [`POLL`], so a wake-up that never
//! came delays a change by at most that. Other notifications name what
//! they drop themselves (the triggers of migration
//! `targeted_cache_invalidation`: tags, authors, settings, old slugs, and
//! posts written by anything but Folio, such as `psql`).

use std::sync::Arc;
use std::time::Duration;

use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::{FutureExt, StreamExt};

use super::ResponseCache;
use crate::db::wake::{CHANNEL, WAKE};
use crate::db::{DbPool, sync};

/// How long the follower goes without reading the changes. It is also the
/// connection's heartbeat: a connection that died without a word (a cut
/// cable, a NAT timeout) must not keep the cache on.
const POLL: Duration = Duration::from_secs(1);
/// More changed posts than this in one look drop everything rather than
/// naming each (a bulk import).
const MOST_CHANGES: i64 = 1000;

/// Runs for the life of the process: connects, listens, invalidates on
/// every change; when the connection is lost the cache is off until a new
/// one is listening.
pub async fn listen(cache: Arc<ResponseCache>, url: String, timeout: Duration) {
    let mut delay = Duration::from_millis(100);
    loop {
        match crate::db::listen::connect(&url, CHANNEL, timeout).await {
            Ok(mut conn) => {
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

/// Invalidates on each change until the connection fails; returns why it
/// stopped.
async fn follow(cache: &ResponseCache, conn: &mut AsyncPgConnection, timeout: Duration) -> String {
    // Every change at or below the horizon is committed and, once the
    // cache goes online (which drops everything), already read by anything
    // it will store; the rest is read from here.
    let mut head = match tokio::time::timeout(timeout, sync::horizon(conn)).await {
        Ok(Ok(horizon)) => horizon,
        Ok(Err(e)) => return e.to_string(),
        Err(_) => return "reading the horizon timed out".into(),
    };
    cache.set_online(true);
    tracing::info!("read cache on: following changes");
    loop {
        let heard = {
            let mut notifications = std::pin::pin!(conn.notifications_stream());
            match tokio::time::timeout(POLL, notifications.next()).await {
                Ok(Some(Ok(first))) => {
                    // Everything already queued is read with it: one look
                    // at the changes serves a burst of writes.
                    let mut heard = vec![first.payload];
                    while let Some(next) = notifications.next().now_or_never() {
                        match next {
                            Some(Ok(n)) => heard.push(n.payload),
                            Some(Err(e)) => return e.to_string(),
                            None => return "the connection closed".into(),
                        }
                    }
                    heard
                }
                Ok(Some(Err(e))) => return e.to_string(),
                Ok(None) => return "the connection closed".into(),
                Err(_quiet) => Vec::new(),
            }
        };
        for payload in &heard {
            apply(cache, payload);
        }
        match tokio::time::timeout(timeout, sync::changed_keys(conn, head, MOST_CHANGES)).await {
            Ok(Ok((changed, upto))) => {
                match changed {
                    Some(keys) if keys.is_empty() => {}
                    Some(keys) => cache.invalidate_posts(keys),
                    None => cache.invalidate(),
                }
                head = upto;
            }
            Ok(Err(e)) => return e.to_string(),
            Err(_) => return "reading the changes timed out".into(),
        }
    }
}

/// Drops what a notification says changed (the payloads of migration
/// `targeted_cache_invalidation`): `posts: <key> …` names the posts one
/// statement touched by id and slug (none: only the collections changed);
/// a wake-up drops nothing by itself (the changes are read next); anything
/// else (a table's name, `everything`) drops everything.
fn apply(cache: &ResponseCache, payload: &str) {
    if payload == WAKE {
        return;
    }
    match payload.strip_prefix("posts:") {
        Some(keys) => cache.invalidate_posts(keys.split_ascii_whitespace()),
        None => cache.invalidate(),
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
            let ticket = cache.horizon_ticket();
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

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderMap;
    use actix_web::web::Bytes;

    use super::*;
    use crate::cache::Dep;

    #[test]
    fn a_notification_drops_what_it_names_and_anything_unknown_drops_everything() {
        let cache = ResponseCache::new(1 << 20, Duration::from_secs(60)).unwrap();
        cache.set_online(true);
        let fill = |cache: &ResponseCache| {
            cache.set_horizon(cache.horizon_ticket(), None);
            for (key, dep) in [
                ("a", cache.post_dep("post-a").unwrap()),
                ("b", cache.post_dep("post-b").unwrap()),
                ("list", Dep::Collections),
            ] {
                let ticket = cache.ticket(dep).unwrap();
                cache.put(ticket, key.into(), HeaderMap::new(), Bytes::from("x"));
            }
        };
        let kept = |cache: &ResponseCache| ["a", "b", "list"].map(|k| cache.get(k).is_some());
        fill(&cache);
        apply(
            &cache,
            "posts: 0191e1a4-5b0c-7c3a-9f00-00000000000a post-a post-a-2",
        );
        assert_eq!(kept(&cache), [false, true, false]);
        fill(&cache);
        apply(&cache, "posts:");
        assert_eq!(kept(&cache), [true, true, false]);
        fill(&cache);
        apply(&cache, WAKE);
        assert_eq!(kept(&cache), [true, true, true]);
        for payload in ["posts", "tags", "users", "everything", ""] {
            fill(&cache);
            apply(&cache, payload);
            assert_eq!(kept(&cache), [false, false, false], "{payload:?}");
        }
    }
}
