//! The change log the event stream reads: public changes from the events
//! outbox (each with the type a webhook would get), and changes to posts
//! that are not public (drafts), both ordered by their `/sync` number.
//!
//! Change numbers come from a sequence, so a change may commit after a
//! higher-numbered one; every read stops at the horizon
//! ([`super::sync::horizon`]), below which every number is final, so a
//! reader that has seen number `n` never later finds a smaller one.

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Bool, Nullable};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::lifecycle::public_sql;

/// One change, as the stream sends it.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct Change {
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    /// The outbox event; none for a change to a draft.
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    pub event_id: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub event_type: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub post_id: Uuid,
    /// The draft's author (who may see it); none for public changes.
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    pub author_id: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    pub data: serde_json::Value,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub at: DateTime<Utc>,
}

impl Change {
    /// Whether the change is to a post that is not public.
    pub fn is_draft(&self) -> bool {
        self.event_id.is_none()
    }
}

/// Which changes to read.
#[derive(Debug, Clone, Copy)]
pub struct Filter {
    /// Changes to drafts too.
    pub drafts: bool,
    /// Only drafts by this author (with `drafts`).
    pub author: Option<Uuid>,
    /// Only changes to this post.
    pub post: Option<Uuid>,
}

impl Filter {
    pub const EVERYTHING: Self = Self {
        drafts: true,
        author: None,
        post: None,
    };
}

/// Up to `limit` changes after `since` and up to the horizon, oldest first.
/// Not in a transaction: the horizon is read first, in its own statement.
pub async fn changes_since(
    conn: &mut AsyncPgConnection,
    since: i64,
    filter: Filter,
    limit: i64,
) -> diesel::QueryResult<Vec<Change>> {
    let upto = super::sync::horizon(conn).await?;
    if upto <= since {
        return Ok(Vec::new());
    }
    // Public changes are the outbox's post events. A post's change with no
    // event is shown only while the post is not public: a public post's
    // change without one (a re-render) is no news to readers.
    let sql = format!(
        "SELECT * FROM (
            SELECT e.sync_token AS seq, e.id AS event_id, e.type AS event_type,
                   e.subject_id AS post_id, NULL::uuid AS author_id, e.data, e.created_at AS at
            FROM events e
            WHERE e.sync_token > $1 AND e.sync_token <= $6 AND e.type LIKE 'post.%' AND e.subject_id IS NOT NULL
              AND ($4::uuid IS NULL OR e.subject_id = $4)
            UNION ALL
            SELECT p.change_seq, NULL, 'draft.updated', p.id, p.author_id,
                   folio_post_summary(p), p.updated_at
            FROM posts p
            WHERE $2 AND p.change_seq > $1 AND p.change_seq <= $6 AND NOT {public}
              AND ($3::uuid IS NULL OR p.author_id = $3)
              AND ($4::uuid IS NULL OR p.id = $4)
              AND NOT EXISTS (SELECT 1 FROM events e WHERE e.sync_token = p.change_seq)
            UNION ALL
            SELECT t.change_seq, NULL, 'draft.deleted', t.id, t.author_id,
                   jsonb_build_object('id', t.id, 'slug', t.slug), t.deleted_at
            FROM post_tombstones t
            WHERE $2 AND t.change_seq > $1 AND t.change_seq <= $6
              AND ($3::uuid IS NULL OR t.author_id = $3)
              AND ($4::uuid IS NULL OR t.id = $4)
              AND NOT EXISTS (SELECT 1 FROM events e WHERE e.sync_token = t.change_seq)
        ) c ORDER BY seq LIMIT $5",
        public = public_sql("p"),
    );
    diesel::sql_query(sql)
        .bind::<BigInt, _>(since)
        .bind::<Bool, _>(filter.drafts)
        .bind::<Nullable<diesel::sql_types::Uuid>, _>(filter.author)
        .bind::<Nullable<diesel::sql_types::Uuid>, _>(filter.post)
        .bind::<BigInt, _>(limit)
        .bind::<BigInt, _>(upto)
        .load(conn)
        .await
}

#[derive(diesel::QueryableByName)]
struct Latest {
    #[diesel(sql_type = Nullable<BigInt>)]
    horizon: Option<i64>,
    #[diesel(sql_type = BigInt)]
    taken: i64,
}

/// Where a stream that starts now starts, and the highest change number
/// taken so far (a client's `Last-Event-ID` above it is from the future).
///
/// The start is the horizon: every change at or below it has committed,
/// every one above it is still to be read. It is not the highest number
/// taken, and may even step back a little (a writer that read its bound
/// just before the horizon was read): a client's id between the two is
/// real, and replaying from it sends nothing twice.
pub async fn latest(conn: &mut AsyncPgConnection) -> diesel::QueryResult<(i64, i64)> {
    let row: Latest = diesel::sql_query(
        "SELECT folio_post_change_horizon() AS horizon,
                (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM post_change_seq) AS taken",
    )
    .get_result(conn)
    .await?;
    let horizon = row.horizon.unwrap_or(0);
    Ok((horizon, row.taken.max(horizon)))
}
