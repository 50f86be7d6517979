//! Queries on `post_revisions`.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::{
    ExpressionMethods, NullableExpressionMethods, OptionalExtension, QueryDsl, SelectableHelper,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{post_revisions, users};
use super::sql::Sql;

#[derive(Debug, Clone, diesel::Queryable, diesel::Selectable, diesel::Insertable)]
#[diesel(table_name = post_revisions, check_for_backend(Pg))]
pub struct Revision {
    pub post_id: Uuid,
    pub number: i32,
    pub user_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub snapshot: serde_json::Value,
}

#[derive(diesel::QueryableByName)]
struct Recorded {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    number: i32,
}

/// Stores the next revision of a post and prunes all but the newest
/// `keep` (`folio_record_revision`), and creates the tags of `new_tags`
/// that do not exist yet (`folio_ensure_tags`, as [`super::tags::ensure`]):
/// one statement, one round trip, for what every content write records.
/// Call it with the post's row locked (inside the write's transaction), so
/// two writers never take the same number.
pub async fn record(
    conn: &mut AsyncPgConnection,
    post_id: Uuid,
    user_id: Uuid,
    snapshot: serde_json::Value,
    keep: u32,
    new_tags: &[String],
) -> diesel::QueryResult<i32> {
    use diesel::sql_types::{Array, Integer, Jsonb, Text, Timestamptz, Uuid as SqlUuid};
    let keep = i32::try_from(keep).unwrap_or(i32::MAX);
    let (slugs, names) = super::tags::slugs_and_names(new_tags);
    // Kept prepared: every post write sends it. The tags come first, as
    // when they were a statement of their own.
    let recorded: Recorded = Sql::new(
        "SELECT folio_ensure_tags($1, $2), \
           folio_record_revision($3, $4, $5, $6, $7) AS number",
    )
    .with::<Array<Text>, _>(slugs)
    .with::<Array<Text>, _>(names)
    .with::<SqlUuid, _>(post_id)
    .with::<SqlUuid, _>(user_id)
    .with::<Timestamptz, _>(Utc::now())
    .with::<Jsonb, _>(snapshot)
    .with::<Integer, _>(keep)
    .get_result(conn)
    .await?;
    Ok(recorded.number)
}

/// Stores many revisions in one statement (the first ones of new posts:
/// nothing to number or prune).
pub async fn insert_many(
    conn: &mut AsyncPgConnection,
    revisions: &[Revision],
) -> diesel::QueryResult<usize> {
    diesel::insert_into(post_revisions::table)
        .values(revisions)
        .execute(conn)
        .await
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
