//! Queries on `login_throttle`: failure counters with exponential back-off.

use std::time::Duration;

use diesel::sql_types::{Bool, Double, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// What counting one attempt against a key found.
#[derive(Debug, diesel::QueryableByName)]
pub struct Counted {
    /// The key was still waiting out its back-off: the attempt was refused
    /// and not counted.
    #[diesel(sql_type = Bool)]
    pub refused: bool,
    /// Seconds until the key may try again (0 when it may now).
    #[diesel(sql_type = Double)]
    pub wait: f64,
}

/// Counts an attempt against `key` before the password is checked, in one
/// statement, so concurrent guesses take turns on the row and cannot slip
/// past the back-off together. From the `free`th failure within `window`
/// on, each counted failure sets a wait of 1, 2, 4… seconds (at most
/// `window`) before the next attempt.
pub async fn count_attempt(
    conn: &mut AsyncPgConnection,
    key: &str,
    account: Option<&str>,
    free: u32,
    window: Duration,
) -> diesel::QueryResult<Counted> {
    // `last_failure` moves to now() exactly when the attempt is counted, so
    // it tells a counted attempt from a refused one in RETURNING.
    diesel::sql_query(
        "INSERT INTO login_throttle AS t (key, account, failures, last_failure, blocked_until) \
         VALUES ($1, $2, 1, now(), CASE WHEN $3 <= 1 THEN now() + interval '1 second' END) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN t.blocked_until > now() THEN t.failures \
                           WHEN t.last_failure <= now() - make_interval(secs => $4) THEN 1 \
                           ELSE t.failures + 1 END, \
           blocked_until = CASE \
               WHEN t.blocked_until > now() THEN t.blocked_until \
               WHEN t.last_failure <= now() - make_interval(secs => $4) \
                   THEN CASE WHEN $3 <= 1 THEN now() + interval '1 second' END \
               WHEN t.failures + 1 < $3 THEN NULL \
               ELSE now() + make_interval(secs => least($4, power(2, least(t.failures + 1 - $3, 30)))) END, \
           last_failure = CASE WHEN t.blocked_until > now() THEN t.last_failure ELSE now() END \
         RETURNING last_failure <> now() AS refused, \
           greatest(0, coalesce(EXTRACT(EPOCH FROM blocked_until - now()), 0))::float8 AS wait",
    )
    .bind::<Text, _>(key)
    .bind::<Nullable<Text>, _>(account)
    .bind::<Integer, _>(i32::try_from(free).unwrap_or(i32::MAX))
    .bind::<Double, _>(window.as_secs_f64())
    .get_result(conn)
    .await
}

/// Takes back one counted attempt (it succeeded, or another key refused
/// it), lifting the back-off it may have set.
pub async fn forgive(
    conn: &mut AsyncPgConnection,
    key: &str,
    free: u32,
) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "UPDATE login_throttle SET failures = greatest(failures - 1, 0), \
           blocked_until = CASE WHEN failures - 1 >= $2 THEN blocked_until ELSE NULL END \
         WHERE key = $1",
    )
    .bind::<Text, _>(key)
    .bind::<Integer, _>(i32::try_from(free).unwrap_or(i32::MAX))
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets a key (a successful login starts its account afresh), and
/// counters whose failures are older than the window, so the table stays
/// small.
pub async fn reset(
    conn: &mut AsyncPgConnection,
    key: &str,
    window: Duration,
) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "DELETE FROM login_throttle WHERE key = $1 \
         OR (last_failure < now() - make_interval(secs => $2) \
             AND (blocked_until IS NULL OR blocked_until < now()))",
    )
    .bind::<Text, _>(key)
    .bind::<Double, _>(window.as_secs_f64())
    .execute(conn)
    .await?;
    Ok(())
}

/// Clears every counter of an account (its own, and it with each address);
/// returns how many there were.
pub async fn clear_account(
    conn: &mut AsyncPgConnection,
    account: &str,
) -> diesel::QueryResult<usize> {
    diesel::sql_query("DELETE FROM login_throttle WHERE account = $1")
        .bind::<Text, _>(account)
        .execute(conn)
        .await
}
