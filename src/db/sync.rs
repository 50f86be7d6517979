//! Delta sync: posts and tombstones changed after a change number.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::sql_types::BigInt;
use diesel::{ExpressionMethods, QueryDsl, SelectableHelper};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::lifecycle::is_public;
use super::posts::Post;
use super::schema::{post_tombstones, posts, users};
use super::sql::Sql;

#[derive(Debug, Clone, diesel::Queryable, diesel::Selectable)]
#[diesel(table_name = post_tombstones, check_for_backend(Pg))]
pub struct Tombstone {
    pub id: Uuid,
    pub slug: String,
    pub author_id: Uuid,
    pub was_public: bool,
    pub deleted_at: DateTime<Utc>,
    pub change_seq: i64,
}

/// A changed post: the row, its author's name, its change number, whether
/// it is public now, and whether it ever was.
pub type ChangedPost = (Post, String, i64, bool, bool);

#[derive(diesel::QueryableByName)]
struct Horizon {
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    horizon: Option<i64>,
}

/// The highest change number at or below which every change is final
/// (committed or rolled back): readers read up to it and no further.
///
/// Change numbers come from a plain sequence, so writers never wait for
/// each other, and a change may commit after a higher-numbered one. A
/// reader that went past a number still being written would skip it for
/// good; below the horizon that cannot happen. Call it on its own, before
/// the statement or repeatable-read transaction that reads the changes:
/// their snapshot must be newer than it (see the migration
/// `2026-12-03-500000_post_change_horizon`).
pub async fn horizon(conn: &mut AsyncPgConnection) -> diesel::QueryResult<i64> {
    // Kept prepared: every write's notification and every /sync read send it.
    let row: Horizon = Sql::new("SELECT folio_post_change_horizon() AS horizon")
        .get_result(conn)
        .await?;
    Ok(row.horizon.unwrap_or(0))
}

/// Up to `limit` posts and up to `limit` tombstones whose change number is
/// above `since` and at most `upto` (a [`horizon`] read before), each
/// oldest change first. Call it inside one repeatable-read transaction so
/// both lists come from one snapshot.
pub async fn changes_since(
    conn: &mut AsyncPgConnection,
    since: i64,
    upto: i64,
    limit: i64,
) -> diesel::QueryResult<(Vec<ChangedPost>, Vec<Tombstone>)> {
    let changed: Vec<(Post, String, i64, Option<bool>, bool)> = posts::table
        .inner_join(users::table)
        .filter(posts::change_seq.gt(since))
        .filter(posts::change_seq.le(upto))
        .order(posts::change_seq.asc())
        .limit(limit)
        .select((
            Post::as_select(),
            users::name,
            posts::change_seq,
            is_public(),
            posts::ever_public,
        ))
        .load(conn)
        .await?;
    let deleted = post_tombstones::table
        .filter(post_tombstones::change_seq.gt(since))
        .filter(post_tombstones::change_seq.le(upto))
        .order(post_tombstones::change_seq.asc())
        .limit(limit)
        .select(Tombstone::as_select())
        .load(conn)
        .await?;
    // NULL only for a post with no date, which is never public.
    let changed = changed
        .into_iter()
        .map(|(post, name, seq, public, ever)| (post, name, seq, public.unwrap_or(false), ever))
        .collect();
    Ok((changed, deleted))
}

/// The change number just before the first change made at or after `at`;
/// `upto` (the horizon) when there is none, or when that is lower: a change
/// above the horizon may still commit with a lower number.
pub async fn seq_before(
    conn: &mut AsyncPgConnection,
    at: DateTime<Utc>,
    upto: i64,
) -> diesel::QueryResult<i64> {
    let first_post: Option<i64> = posts::table
        .filter(posts::updated_at.ge(at))
        .select(diesel::dsl::min(posts::change_seq))
        .first(conn)
        .await?;
    let first_tombstone: Option<i64> = post_tombstones::table
        .filter(post_tombstones::deleted_at.ge(at))
        .select(diesel::dsl::min(post_tombstones::change_seq))
        .first(conn)
        .await?;
    Ok(first_post
        .into_iter()
        .chain(first_tombstone)
        .min()
        .map_or(upto, |first| (first - 1).min(upto)))
}

#[derive(diesel::QueryableByName)]
struct ChangedKey {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    slug: String,
}

/// The ids and slugs of the posts changed or deleted after `since`, up to
/// the [`horizon`] (read here first), and that horizon: where the next
/// look starts. `None` instead of the keys when more than `most` posts
/// changed. For the read cache's follower, which drops what they name.
pub async fn changed_keys(
    conn: &mut AsyncPgConnection,
    since: i64,
    most: i64,
) -> diesel::QueryResult<(Option<Vec<String>>, i64)> {
    let upto = horizon(conn).await?;
    if upto <= since {
        return Ok((Some(Vec::new()), since));
    }
    // Kept prepared: each instance's cache follower sends it after every write.
    let rows: Vec<ChangedKey> = Sql::new(
        "(SELECT id::text AS id, slug FROM posts WHERE change_seq > $1 AND change_seq <= $2) \
         UNION ALL \
         (SELECT id::text, slug FROM post_tombstones WHERE change_seq > $1 AND change_seq <= $2) \
         LIMIT $3",
    )
    .with::<BigInt, _>(since)
    .with::<BigInt, _>(upto)
    .with::<BigInt, _>(most + 1)
    .load(conn)
    .await?;
    if rows.len() as i64 > most {
        return Ok((None, upto));
    }
    let keys = rows.into_iter().flat_map(|r| [r.id, r.slug]).collect();
    Ok((Some(keys), upto))
}
