//! The queue that makes media variants (`media_jobs`): one job per image.
//!
//! A worker claims a due job in one `UPDATE … WHERE media_id = (SELECT …
//! FOR UPDATE SKIP LOCKED)`, which bumps `attempts` and sets a lease: two
//! workers, in one process or in many, never hold the same job, and a
//! worker that dies leaves a lease that simply runs out, after which
//! another instance takes the job over.

use std::time::Duration;

use diesel::sql_types::{Integer, Interval, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A claimed job.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = SqlUuid)]
    pub media_id: Uuid,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
}

fn interval(d: Duration) -> diesel::pg::data_types::PgInterval {
    diesel::pg::data_types::PgInterval::from_microseconds(d.as_micros() as i64)
}

/// Claims the oldest due job, if any, for `lease`.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    worker: &str,
    lease: Duration,
) -> diesel::QueryResult<Option<Claimed>> {
    let mut rows: Vec<Claimed> = diesel::sql_query(
        "UPDATE media_jobs SET attempts = attempts + 1, leased_until = now() + $1, leased_by = $2 \
         WHERE media_id = ( \
             SELECT media_id FROM media_jobs \
             WHERE state = 'pending' AND next_attempt_at <= now() \
               AND (leased_until IS NULL OR leased_until < now()) \
             ORDER BY next_attempt_at \
             FOR UPDATE SKIP LOCKED LIMIT 1) \
         RETURNING media_id, attempts",
    )
    .bind::<Interval, _>(interval(lease))
    .bind::<Text, _>(worker)
    .load(conn)
    .await?;
    Ok(rows.pop())
}

/// Records a variant as made.
pub async fn variant_ready(
    conn: &mut AsyncPgConnection,
    media_id: Uuid,
    width: i32,
    format: &str,
    bytes: i64,
) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "UPDATE media_variants SET status = 'ready', bytes = $4 \
         WHERE media_id = $1 AND width = $2 AND format = $3",
    )
    .bind::<SqlUuid, _>(media_id)
    .bind::<Integer, _>(width)
    .bind::<Text, _>(format)
    .bind::<diesel::sql_types::BigInt, _>(bytes)
    .execute(conn)
    .await
    .map(drop)
}

/// Marks a job done, if this worker still holds it.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    media_id: Uuid,
    worker: &str,
) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "UPDATE media_jobs SET state = 'done', completed_at = now(), leased_until = NULL, last_error = NULL \
         WHERE media_id = $1 AND leased_by = $2",
    )
    .bind::<SqlUuid, _>(media_id)
    .bind::<Text, _>(worker)
    .execute(conn)
    .await
    .map(drop)
}

/// Records a failure: the job is retried after `retry_in`, or, after
/// `max_attempts`, given up with its unmade variants marked failed (they
/// keep redirecting to the original).
pub async fn fail(
    conn: &mut AsyncPgConnection,
    media_id: Uuid,
    error: &str,
    retry_in: Duration,
    max_attempts: i32,
) -> diesel::QueryResult<()> {
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        let given_up = diesel::sql_query(
            "UPDATE media_jobs SET leased_until = NULL, last_error = left($2, 1000), \
                 state = CASE WHEN attempts >= $3 THEN 'failed' ELSE 'pending' END, \
                 next_attempt_at = now() + $4, \
                 completed_at = CASE WHEN attempts >= $3 THEN now() END \
             WHERE media_id = $1 AND attempts >= $3",
        )
        .bind::<SqlUuid, _>(media_id)
        .bind::<Text, _>(error)
        .bind::<Integer, _>(max_attempts)
        .bind::<Interval, _>(interval(retry_in))
        .execute(conn)
        .await?;
        if given_up > 0 {
            diesel::sql_query(
                "UPDATE media_variants SET status = 'failed' WHERE media_id = $1 AND status = 'pending'",
            )
            .bind::<SqlUuid, _>(media_id)
            .execute(conn)
            .await?;
        } else {
            diesel::sql_query(
                "UPDATE media_jobs SET leased_until = NULL, last_error = left($2, 1000), \
                     next_attempt_at = now() + $3 WHERE media_id = $1",
            )
            .bind::<SqlUuid, _>(media_id)
            .bind::<Text, _>(error)
            .bind::<Interval, _>(interval(retry_in))
            .execute(conn)
            .await?;
        }
        Ok(())
    })
    .await
}
