//! A dedicated connection that `LISTEN`s on a channel. The read cache, the
//! webhook workers and the event stream each keep one per instance: pooled
//! connections are shared and would lose their `LISTEN` on return.

use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// Connects and listens on `channel`, each step within `timeout`; the
/// error says which step failed, for the caller's log.
pub async fn connect(
    url: &str,
    channel: &str,
    timeout: Duration,
) -> Result<AsyncPgConnection, String> {
    let mut conn = establish(url, timeout).await?;
    run(&mut conn, &format!("LISTEN {channel}"), timeout).await?;
    Ok(conn)
}

/// A connection of its own (not from the pool), made within `timeout`.
pub async fn establish(url: &str, timeout: Duration) -> Result<AsyncPgConnection, String> {
    tokio::time::timeout(timeout, AsyncPgConnection::establish(url))
        .await
        .map_err(|_| "connecting timed out".to_owned())?
        .map_err(|e| e.to_string())
}

/// Runs one statement within `timeout`; the error says which.
pub async fn run(conn: &mut AsyncPgConnection, sql: &str, timeout: Duration) -> Result<(), String> {
    tokio::time::timeout(timeout, diesel::sql_query(sql).execute(conn))
        .await
        .map_err(|_| format!("`{sql}` timed out"))?
        .map_err(|e| e.to_string())?;
    Ok(())
}
