//! Queries on `login_throttle`: fixed-window failure counters.

use std::time::Duration;

use diesel::sql_types::{Double, Integer, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Debug, diesel::QueryableByName)]
pub struct Count {
    #[diesel(sql_type = Integer)]
    pub failures: i32,
    /// Seconds until the current window ends.
    #[diesel(sql_type = Double)]
    pub remaining: f64,
}

/// Counts an attempt against `key` and returns the count in the current
/// window. Counting before the password is checked, in one statement,
/// means concurrent guesses cannot slip past the limit together.
pub async fn count_attempt(
    conn: &mut AsyncPgConnection,
    key: &str,
    window: Duration,
) -> diesel::QueryResult<Count> {
    diesel::sql_query(
        "INSERT INTO login_throttle AS t (key, window_start, failures) VALUES ($1, now(), 1) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN t.window_start <= now() - make_interval(secs => $2) \
                           THEN 1 ELSE t.failures + 1 END, \
           window_start = CASE WHEN t.window_start <= now() - make_interval(secs => $2) \
                               THEN now() ELSE t.window_start END \
         RETURNING failures, \
           EXTRACT(EPOCH FROM window_start + make_interval(secs => $2) - now())::float8 AS remaining",
    )
    .bind::<Text, _>(key)
    .bind::<Double, _>(window.as_secs_f64())
    .get_result(conn)
    .await
}

/// Takes back one counted attempt (it succeeded, so it was no guess).
pub async fn forgive(conn: &mut AsyncPgConnection, key: &str) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "UPDATE login_throttle SET failures = greatest(failures - 1, 0) WHERE key = $1",
    )
    .bind::<Text, _>(key)
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets an account's failures after a successful login, and counters
/// whose window has long passed, so the table stays small.
pub async fn reset(
    conn: &mut AsyncPgConnection,
    key: &str,
    window: Duration,
) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "DELETE FROM login_throttle WHERE key = $1 \
         OR window_start < now() - make_interval(secs => $2)",
    )
    .bind::<Text, _>(key)
    .bind::<Double, _>(window.as_secs_f64())
    .execute(conn)
    .await?;
    Ok(())
}
