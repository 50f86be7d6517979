//! Queries on `post_revisions`.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::{
    ExpressionMethods, NullableExpressionMethods, OptionalExtension, QueryDsl, SelectableHelper,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{post_revisions, users};

#[derive(Debug, Clone, diesel::Queryable, diesel::Selectable, diesel::Insertable)]
#[diesel(table_name = post_revisions, check_for_backend(Pg))]
pub struct Revision {
    pub post_id: Uuid,
    pub number: i32,
    pub user_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub snapshot: serde_json::Value,
}

/// Stores the next revision of a post and prunes all but the newest
/// `keep`. Call it with the post's row locked (inside the write's
/// transaction), so two writers never take the same number.
pub async fn record(
    conn: &mut AsyncPgConnection,
    post_id: Uuid,
    user_id: Uuid,
    snapshot: serde_json::Value,
    keep: u32,
) -> diesel::QueryResult<i32> {
    let last: Option<i32> = post_revisions::table
        .filter(post_revisions::post_id.eq(post_id))
        .select(diesel::dsl::max(post_revisions::number))
        .first(conn)
        .await?;
    let number = last.unwrap_or(0) + 1;
    diesel::insert_into(post_revisions::table)
        .values(&Revision {
            post_id,
            number,
            user_id: Some(user_id),
            created_at: Utc::now(),
            snapshot,
        })
        .execute(conn)
        .await?;
    let keep = i32::try_from(keep).unwrap_or(i32::MAX);
    diesel::delete(
        post_revisions::table
            .filter(post_revisions::post_id.eq(post_id))
            .filter(post_revisions::number.le(number.saturating_sub(keep))),
    )
    .execute(conn)
    .await?;
    Ok(number)
}

/// A post's revisions, newest first, with the name of who made each.
pub async fn list(
    conn: &mut AsyncPgConnection,
    post_id: Uuid,
) -> diesel::QueryResult<Vec<(Revision, Option<String>)>> {
    post_revisions::table
        .left_join(users::table)
        .filter(post_revisions::post_id.eq(post_id))
        .order(post_revisions::number.desc())
        .select((Revision::as_select(), users::name.nullable()))
        .load(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    post_id: Uuid,
    number: i32,
) -> diesel::QueryResult<Option<(Revision, Option<String>)>> {
    post_revisions::table
        .left_join(users::table)
        .filter(post_revisions::post_id.eq(post_id))
        .filter(post_revisions::number.eq(number))
        .select((Revision::as_select(), users::name.nullable()))
        .first(conn)
        .await
        .optional()
}
