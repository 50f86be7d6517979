//! Queries on `webhooks`, the `events` outbox and the delivery log.
//!
//! Events and deliveries are written by triggers (migration `webhooks`),
//! in the transaction of the change; this module claims, records and
//! prunes them. A claim is a lease: the delivery's `attempts` is bumped and
//! `leased_until` set in one `UPDATE … FOR UPDATE SKIP LOCKED`, so two
//! workers (in one process or many) never hold one delivery at once, and
//! a worker that dies leaves a lease that simply runs out.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::sql_types::{
    BigInt, Integer, Interval, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, SelectableHelper};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{events, webhook_attempts, webhook_deliveries, webhooks};

#[derive(Debug, Clone, diesel::Queryable, diesel::Selectable, diesel::Insertable)]
#[diesel(table_name = webhooks, check_for_backend(diesel::pg::Pg))]
pub struct Webhook {
    pub id: Uuid,
    pub kind: String,
    pub url: String,
    pub events: Vec<String>,
    pub active: bool,
    pub description: Option<String>,
    pub secret: Option<String>,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub debounce_ms: i32,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The fields an admin may change; `None` leaves a field alone.
#[derive(Debug, Default, diesel::AsChangeset)]
#[diesel(table_name = webhooks)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub active: Option<bool>,
    pub description: Option<Option<String>>,
    pub debounce_ms: Option<i32>,
}

pub async fn insert(conn: &mut AsyncPgConnection, hook: &Webhook) -> diesel::QueryResult<Webhook> {
    diesel::insert_into(webhooks::table)
        .values(hook)
        .returning(Webhook::as_returning())
        .get_result(conn)
        .await
}

/// Every subscription, oldest first (there are few).
pub async fn list(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Vec<Webhook>> {
    webhooks::table
        .order((webhooks::created_at.asc(), webhooks::id.asc()))
        .select(Webhook::as_select())
        .load(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> diesel::QueryResult<Option<Webhook>> {
    webhooks::table
        .find(id)
        .select(Webhook::as_select())
        .first(conn)
        .await
        .optional()
}

/// Applies an admin's changes. Switching a webhook on clears why Folio
/// switched it off; switching it off gives up its pending deliveries (they
/// can be redelivered by hand), so that switching it back on does not
/// flood the receiver with stale events.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: WebhookChanges,
) -> diesel::QueryResult<Option<Webhook>> {
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        let activated = changes.active;
        let updated: Option<Webhook> = diesel::update(webhooks::table.find(id))
            .set((&changes, webhooks::updated_at.eq(diesel::dsl::now)))
            .returning(Webhook::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        let Some(mut hook) = updated else {
            return Ok(None);
        };
        match activated {
            Some(true) => {
                hook = diesel::update(webhooks::table.find(id))
                    .set((
                        webhooks::disabled_reason.eq(None::<String>),
                        webhooks::failing_since.eq(None::<DateTime<Utc>>),
                    ))
                    .returning(Webhook::as_returning())
                    .get_result(conn)
                    .await?;
            }
            Some(false) => abandon_pending(conn, id, "the webhook was switched off").await?,
            None => {}
        }
        Ok(Some(hook))
    })
    .await
}

pub async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> diesel::QueryResult<bool> {
    let n = diesel::delete(webhooks::table.find(id))
        .execute(conn)
        .await?;
    Ok(n > 0)
}

/// Makes `secret` the signing secret; the old one keeps signing beside it
/// until `overlap_ends`.
pub async fn rotate_secret(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    secret: &str,
    overlap_ends: DateTime<Utc>,
) -> diesel::QueryResult<Option<Webhook>> {
    diesel::update(
        webhooks::table
            .find(id)
            .filter(webhooks::secret.is_not_null()),
    )
    .set((
        webhooks::previous_secret.eq(webhooks::secret),
        webhooks::previous_secret_expires_at.eq(overlap_ends),
        webhooks::secret.eq(secret),
        webhooks::updated_at.eq(diesel::dsl::now),
    ))
    .returning(Webhook::as_returning())
    .get_result(conn)
    .await
    .optional()
}

async fn abandon_pending(
    conn: &mut AsyncPgConnection,
    webhook: Uuid,
    why: &str,
) -> diesel::QueryResult<()> {
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(webhook))
            .filter(webhook_deliveries::state.eq("pending")),
    )
    .set((
        webhook_deliveries::state.eq("failed"),
        webhook_deliveries::last_error.eq(why),
        webhook_deliveries::completed_at.eq(diesel::dsl::now),
        webhook_deliveries::leased_until.eq(None::<DateTime<Utc>>),
    ))
    .execute(conn)
    .await?;
    Ok(())
}

/// Records an event that no content change caused (a test) and queues it
/// for one webhook only.
pub async fn enqueue_for(
    conn: &mut AsyncPgConnection,
    webhook: Uuid,
    event_type: &str,
    data: &serde_json::Value,
    sync_token: Option<i64>,
) -> diesel::QueryResult<Delivery> {
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        let event: Uuid = diesel::insert_into(events::table)
            .values((
                events::event_type.eq(event_type),
                events::data.eq(data),
                events::sync_token.eq(sync_token),
            ))
            .returning(events::id)
            .get_result(conn)
            .await?;
        let id: Uuid = diesel::insert_into(webhook_deliveries::table)
            .values((
                webhook_deliveries::webhook_id.eq(webhook),
                webhook_deliveries::event_id.eq(event),
            ))
            .returning(webhook_deliveries::id)
            .get_result(conn)
            .await?;
        diesel::sql_query("SELECT pg_notify('folio_webhooks', '')")
            .execute(conn)
            .await?;
        Ok(find_delivery(conn, webhook, id)
            .await?
            .expect("just inserted"))
    })
    .await
}

/// A delivery claimed by a worker, with what it needs to send it.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = SqlUuid)]
    pub delivery_id: Uuid,
    /// This attempt's number (1 for the first).
    #[diesel(sql_type = Integer)]
    pub attempt: i32,
    #[diesel(sql_type = SqlUuid)]
    pub webhook_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub event_type: String,
    #[diesel(sql_type = Jsonb)]
    pub data: serde_json::Value,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub sync_token: Option<i64>,
    #[diesel(sql_type = Timestamptz)]
    pub event_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub secret: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub previous_secret: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
}

impl Claimed {
    /// The secrets a delivery made now is signed with: the current one,
    /// and the previous one while its overlap lasts.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&str> {
        let previous = self
            .previous_secret
            .as_deref()
            .filter(|_| self.previous_secret_expires_at.is_some_and(|at| at > now));
        self.secret.as_deref().into_iter().chain(previous).collect()
    }
}

/// What a claimed delivery is sent with, beside the claim.
const CLAIMED_COLUMNS: &str =
    "e.type AS event_type, e.data, e.sync_token, e.created_at AS event_at,
    w.kind, w.url, w.secret, w.previous_secret, w.previous_secret_expires_at";

/// Claims up to `limit` deliveries that are due, for `lease`.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    limit: i64,
    lease: Duration,
) -> diesel::QueryResult<Vec<Claimed>> {
    diesel::sql_query(format!(
        "WITH claimed AS (
            UPDATE webhook_deliveries d
            SET attempts = d.attempts + 1, leased_until = now() + $2
            WHERE d.id IN (
                SELECT d2.id FROM webhook_deliveries d2
                JOIN webhooks w ON w.id = d2.webhook_id AND w.active
                JOIN events e2 ON e2.id = d2.event_id
                WHERE d2.state = 'pending' AND d2.next_attempt_at <= now()
                  AND (d2.leased_until IS NULL OR d2.leased_until < now())
                  -- A payload's sync_token promises that /sync from it
                  -- starts with its change: not before the horizon passes it.
                  AND (e2.sync_token IS NULL OR e2.sync_token <= (SELECT folio_post_change_horizon()))
                ORDER BY d2.next_attempt_at
                LIMIT $1
                FOR UPDATE OF d2 SKIP LOCKED)
            RETURNING d.id, d.attempts, d.webhook_id, d.event_id)
         SELECT c.id AS delivery_id, c.attempts AS attempt, c.webhook_id, c.event_id,
                {CLAIMED_COLUMNS}
         FROM claimed c JOIN events e ON e.id = c.event_id JOIN webhooks w ON w.id = c.webhook_id"
    ))
    .bind::<BigInt, _>(limit)
    .bind::<Interval, _>(interval(lease))
    .load(conn)
    .await
}

fn interval(d: Duration) -> diesel::pg::data_types::PgInterval {
    diesel::pg::data_types::PgInterval::from_microseconds(d.as_micros().min(i64::MAX as u128) as i64)
}

/// Records an event for one webhook, already claimed by the caller for
/// `lease` (a ping: sent at once, by the request that asked for it).
pub async fn claim_new(
    conn: &mut AsyncPgConnection,
    webhook: Uuid,
    event_type: &str,
    data: &serde_json::Value,
    lease: Duration,
) -> diesel::QueryResult<Claimed> {
    diesel::sql_query(format!(
        "WITH e AS (
            INSERT INTO events (type, data) VALUES ($2, $3)
            RETURNING id, type, data, sync_token, created_at),
         c AS (
            INSERT INTO webhook_deliveries (webhook_id, event_id, attempts, leased_until)
            SELECT $1, e.id, 1, now() + $4 FROM e
            RETURNING id, attempts, webhook_id, event_id)
         SELECT c.id AS delivery_id, c.attempts AS attempt, c.webhook_id, c.event_id,
                {CLAIMED_COLUMNS}
         FROM c JOIN e ON e.id = c.event_id JOIN webhooks w ON w.id = c.webhook_id"
    ))
    .bind::<SqlUuid, _>(webhook)
    .bind::<Text, _>(event_type)
    .bind::<Jsonb, _>(data)
    .bind::<Interval, _>(interval(lease))
    .get_result(conn)
    .await
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct AttemptResult {
    pub status_code: Option<u16>,
    pub latency: Duration,
    pub error: Option<String>,
    pub response_snippet: Option<String>,
}

impl AttemptResult {
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

/// What to do with the delivery after a failed attempt.
#[derive(Debug, Clone, Copy)]
pub enum AfterFailure {
    RetryIn(Duration),
    GiveUp,
}

/// Records an attempt and moves the delivery and its webhook on. Does
/// nothing (returns false) when the lease was lost meanwhile: another
/// worker has the delivery now, and its record is the one that counts.
pub async fn record_attempt(
    conn: &mut AsyncPgConnection,
    claimed: &Claimed,
    result: &AttemptResult,
    after_failure: AfterFailure,
    disable_after: Duration,
) -> diesel::QueryResult<bool> {
    if result.succeeded() {
        return record_success(conn, claimed, result).await;
    }
    let result = result.clone();
    let claimed = claimed.clone();
    conn.transaction::<_, diesel::result::Error, _>(async move |conn| {
        let still_ours = webhook_deliveries::table
            .find(claimed.delivery_id)
            .filter(webhook_deliveries::attempts.eq(claimed.attempt))
            .filter(webhook_deliveries::state.eq("pending"))
            .select(webhook_deliveries::id)
            .for_update()
            .first::<Uuid>(conn)
            .await
            .optional()?
            .is_some();
        if !still_ours {
            return Ok(false);
        }
        diesel::insert_into(webhook_attempts::table)
            .values((
                webhook_attempts::delivery_id.eq(claimed.delivery_id),
                webhook_attempts::attempt.eq(claimed.attempt),
                webhook_attempts::status_code.eq(result.status_code.map(i32::from)),
                webhook_attempts::latency_ms
                    .eq(result.latency.as_millis().min(i32::MAX as u128) as i32),
                webhook_attempts::error.eq(&result.error),
                webhook_attempts::response_snippet.eq(&result.response_snippet),
            ))
            .execute(conn)
            .await?;
        let delivery = webhook_deliveries::table.find(claimed.delivery_id);
        let status = result.status_code.map(i32::from);
        let error = result
            .error
            .clone()
            .or_else(|| status.map(|s| format!("the receiver answered {s}")));
        match after_failure {
            AfterFailure::RetryIn(wait) => {
                diesel::update(delivery)
                    .set((
                        webhook_deliveries::next_attempt_at
                            .eq(Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default()),
                        webhook_deliveries::leased_until.eq(None::<DateTime<Utc>>),
                        webhook_deliveries::last_status.eq(status),
                        webhook_deliveries::last_error.eq(&error),
                    ))
                    .execute(conn)
                    .await?;
            }
            AfterFailure::GiveUp => {
                diesel::update(delivery)
                    .set((
                        webhook_deliveries::state.eq("failed"),
                        webhook_deliveries::completed_at.eq(diesel::dsl::now),
                        webhook_deliveries::leased_until.eq(None::<DateTime<Utc>>),
                        webhook_deliveries::last_status.eq(status),
                        webhook_deliveries::last_error.eq(&error),
                    ))
                    .execute(conn)
                    .await?;
            }
        }
        // The receiver said the endpoint is gone for good; or it has failed
        // every delivery for too long. Either way, stop and say why.
        let hook = webhooks::table.find(claimed.webhook_id);
        diesel::update(hook)
            .set(webhooks::failing_since.eq(diesel::dsl::now))
            .filter(webhooks::failing_since.is_null())
            .execute(conn)
            .await?;
        let reason = if result.status_code == Some(410) {
            Some("the receiver answered 410 Gone".to_owned())
        } else {
            let since: Option<DateTime<Utc>> =
                hook.select(webhooks::failing_since).first(conn).await?;
            since
                .filter(|since| {
                    Utc::now() - *since
                        >= chrono::Duration::from_std(disable_after).unwrap_or_default()
                })
                .map(|since| format!("every delivery has failed since {}", since.to_rfc3339()))
        };
        if let Some(reason) = reason {
            diesel::update(hook)
                .set((
                    webhooks::active.eq(false),
                    webhooks::disabled_reason.eq(&reason),
                    webhooks::updated_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
            abandon_pending(
                conn,
                claimed.webhook_id,
                &format!("the webhook was switched off: {reason}"),
            )
            .await?;
        }
        Ok(true)
    })
    .await
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The common case in one statement (deliveries per second depend on
/// it): the delivery succeeded, its attempt is logged, and the webhook's
/// `failing_since` is cleared only if it was set (so successes do not all
/// queue on the webhook's row).
async fn record_success(
    conn: &mut AsyncPgConnection,
    claimed: &Claimed,
    result: &AttemptResult,
) -> diesel::QueryResult<bool> {
    let done: Count = diesel::sql_query(
        "WITH d AS (
            UPDATE webhook_deliveries
            SET state = 'succeeded', completed_at = now(), leased_until = NULL,
                last_status = $3, last_error = NULL
            WHERE id = $1 AND attempts = $2 AND state = 'pending'
            RETURNING id, webhook_id),
         a AS (
            INSERT INTO webhook_attempts (delivery_id, attempt, status_code, latency_ms, response_snippet)
            SELECT d.id, $2, $3, $4, $5 FROM d),
         w AS (
            UPDATE webhooks SET failing_since = NULL FROM d
            WHERE webhooks.id = d.webhook_id AND webhooks.failing_since IS NOT NULL)
         SELECT count(*) AS n FROM d",
    )
    .bind::<SqlUuid, _>(claimed.delivery_id)
    .bind::<Integer, _>(claimed.attempt)
    .bind::<Nullable<Integer>, _>(result.status_code.map(i32::from))
    .bind::<Integer, _>(result.latency.as_millis().min(i32::MAX as u128) as i32)
    .bind::<Nullable<Text>, _>(result.response_snippet.as_deref())
    .get_result(conn)
    .await?;
    Ok(done.n > 0)
}

/// A delivery as the log shows it.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct Delivery {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub webhook_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub event_type: String,
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Timestamptz)]
    pub next_attempt_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub last_status: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub last_error: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub completed_at: Option<DateTime<Utc>>,
}

const DELIVERY_COLUMNS: &str = "d.id, d.webhook_id, d.event_id, e.type AS event_type, d.state,
    d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.created_at, d.completed_at";

/// One webhook's deliveries, newest first: `limit` of them, older than
/// the delivery `after` when given (a keyset on created_at, id).
pub async fn list_deliveries(
    conn: &mut AsyncPgConnection,
    webhook: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> diesel::QueryResult<Vec<Delivery>> {
    diesel::sql_query(format!(
        "SELECT {DELIVERY_COLUMNS}
         FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.webhook_id = $1
           AND ($2::uuid IS NULL OR (d.created_at, d.id) <
                (SELECT c.created_at, c.id FROM webhook_deliveries c WHERE c.id = $2))
         ORDER BY d.created_at DESC, d.id DESC
         LIMIT $3"
    ))
    .bind::<SqlUuid, _>(webhook)
    .bind::<Nullable<SqlUuid>, _>(after)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

pub async fn find_delivery(
    conn: &mut AsyncPgConnection,
    webhook: Uuid,
    id: Uuid,
) -> diesel::QueryResult<Option<Delivery>> {
    diesel::sql_query(format!(
        "SELECT {DELIVERY_COLUMNS}
         FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.webhook_id = $1 AND d.id = $2"
    ))
    .bind::<SqlUuid, _>(webhook)
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .await
    .optional()
}

#[derive(Debug, Clone, diesel::Queryable, diesel::Selectable)]
#[diesel(table_name = webhook_attempts, check_for_backend(diesel::pg::Pg))]
pub struct Attempt {
    pub delivery_id: Uuid,
    pub attempt: i32,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
    pub response_snippet: Option<String>,
    pub at: DateTime<Utc>,
}

/// The attempts of these deliveries, in order.
pub async fn attempts_of(
    conn: &mut AsyncPgConnection,
    deliveries: &[Uuid],
) -> diesel::QueryResult<Vec<Attempt>> {
    webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(deliveries))
        .order((webhook_attempts::delivery_id, webhook_attempts::attempt))
        .select(Attempt::as_select())
        .load(conn)
        .await
}

/// Sends a delivery again: a finished one goes back in the queue with
/// the same event (so the same `webhook-id`); a pending one is made due
/// now. Its attempt count goes on from where it was.
pub async fn redeliver(
    conn: &mut AsyncPgConnection,
    webhook: Uuid,
    id: Uuid,
) -> diesel::QueryResult<Option<Delivery>> {
    let n = diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(webhook))
            .filter(webhook_deliveries::id.eq(id)),
    )
    .set((
        webhook_deliveries::state.eq("pending"),
        webhook_deliveries::next_attempt_at.eq(diesel::dsl::now),
        webhook_deliveries::completed_at.eq(None::<DateTime<Utc>>),
    ))
    .execute(conn)
    .await?;
    if n == 0 {
        return Ok(None);
    }
    diesel::sql_query("SELECT pg_notify('folio_webhooks', '')")
        .execute(conn)
        .await?;
    find_delivery(conn, webhook, id).await
}

/// Deletes finished deliveries and events older than `age` (an event goes
/// with its last delivery). Returns the deliveries deleted.
pub async fn prune(conn: &mut AsyncPgConnection, age: Duration) -> diesel::QueryResult<usize> {
    let cutoff = interval(age);
    let n = diesel::sql_query(
        "DELETE FROM webhook_deliveries
         WHERE state <> 'pending' AND completed_at < now() - $1",
    )
    .bind::<Interval, _>(cutoff)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "DELETE FROM events e WHERE e.created_at < now() - $1
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id)",
    )
    .bind::<Interval, _>(cutoff)
    .execute(conn)
    .await?;
    Ok(n)
}

#[derive(diesel::QueryableByName)]
struct Depth {
    #[diesel(sql_type = BigInt)]
    depth: i64,
}

/// Deliveries waiting to be sent (due or not), across all instances.
pub async fn queue_depth(conn: &mut AsyncPgConnection) -> diesel::QueryResult<i64> {
    let row: Depth = diesel::sql_query(
        "SELECT count(*) AS depth FROM webhook_deliveries d
         JOIN webhooks w ON w.id = d.webhook_id AND w.active
         WHERE d.state = 'pending'",
    )
    .get_result(conn)
    .await?;
    Ok(row.depth)
}

#[derive(diesel::QueryableByName)]
struct Sample {
    #[diesel(sql_type = Jsonb)]
    data: serde_json::Value,
    #[diesel(sql_type = Nullable<BigInt>)]
    sync_token: Option<i64>,
}

/// Data for a test delivery of `event_type`: the newest published post,
/// or the newest tag, in the shape its real events have.
pub async fn sample(
    conn: &mut AsyncPgConnection,
    event_type: &str,
) -> diesel::QueryResult<Option<(serde_json::Value, Option<i64>)>> {
    let sql = if event_type.starts_with("tag.") {
        "SELECT jsonb_build_object('slug', slug, 'name', name, 'description', description) AS data,
                NULL::bigint AS sync_token
         FROM tags ORDER BY created_at DESC LIMIT 1"
    } else {
        "SELECT folio_post_summary(p) AS data, p.change_seq AS sync_token
         FROM posts p WHERE p.status = 'published'
         ORDER BY p.published_at DESC NULLS LAST, p.id DESC LIMIT 1"
    };
    let row: Option<Sample> = diesel::sql_query(sql).get_result(conn).await.optional()?;
    Ok(row.map(|r| (r.data, r.sync_token)))
}
