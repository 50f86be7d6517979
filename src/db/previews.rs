//! Queries on `post_previews`. Tokens are looked up by their SHA-256.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, SelectableHelper};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{post_previews, users};

#[derive(Debug, Clone, diesel::Queryable, diesel::Selectable, diesel::Insertable)]
#[diesel(table_name = post_previews, check_for_backend(Pg))]
pub struct Preview {
    pub id: Uuid,
    pub post_id: Uuid,
    pub prefix: String,
    pub token_hash: Vec<u8>,
    pub revision: Option<i32>,
    pub snapshot: Option<serde_json::Value>,
    pub created_by: Uuid,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut AsyncPgConnection, preview: &Preview) -> diesel::QueryResult<()> {
    diesel::insert_into(post_previews::table)
        .values(preview)
        .execute(conn)
        .await
        .map(drop)
}

/// A post's links that still work, newest first.
pub async fn list_live(
    conn: &mut AsyncPgConnection,
    post_id: Uuid,
) -> diesel::QueryResult<Vec<Preview>> {
    post_previews::table
        .filter(post_previews::post_id.eq(post_id))
        .filter(post_previews::revoked_at.is_null())
        .filter(post_previews::expires_at.gt(diesel::dsl::now))
        .order((post_previews::created_at.desc(), post_previews::id.desc()))
        .select(Preview::as_select())
        .load(conn)
        .await
}

/// How many links of a post still work.
pub async fn count_live(conn: &mut AsyncPgConnection, post_id: Uuid) -> diesel::QueryResult<i64> {
    post_previews::table
        .filter(post_previews::post_id.eq(post_id))
        .filter(post_previews::revoked_at.is_null())
        .filter(post_previews::expires_at.gt(diesel::dsl::now))
        .count()
        .get_result(conn)
        .await
}

/// The link with this hash, if it is neither revoked nor expired and the
/// user who made it is still enabled. (A deleted post takes its links with
/// it: the foreign key cascades.)
pub async fn find_usable(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
) -> diesel::QueryResult<Option<Preview>> {
    post_previews::table
        .inner_join(users::table)
        .filter(post_previews::token_hash.eq(hash))
        .filter(post_previews::revoked_at.is_null())
        .filter(post_previews::expires_at.gt(diesel::dsl::now))
        .filter(users::disabled_at.is_null())
        .select(Preview::as_select())
        .first(conn)
        .await
        .optional()
}

/// Records a use, at most once a minute per link.
pub async fn touch(conn: &mut AsyncPgConnection, preview: &Preview) -> diesel::QueryResult<()> {
    if super::use_is_stale(preview.last_used_at) {
        diesel::update(post_previews::table.filter(post_previews::id.eq(preview.id)))
            .set(post_previews::last_used_at.eq(diesel::dsl::now))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Revokes a post's link; false when it had no such live link.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    post_id: Uuid,
    id: Uuid,
) -> diesel::QueryResult<bool> {
    let n = diesel::update(
        post_previews::table
            .filter(post_previews::id.eq(id))
            .filter(post_previews::post_id.eq(post_id))
            .filter(post_previews::revoked_at.is_null()),
    )
    .set(post_previews::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    Ok(n > 0)
}
