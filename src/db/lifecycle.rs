//! The status lifecycle in SQL: which posts are public, and the flip of
//! scheduled posts to published.

use diesel::dsl::now;
use diesel::{BoolExpressionMethods, ExpressionMethods};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::posts;

/// Published posts, and scheduled ones whose time has come: the SQL
/// spelling of [`PostStatus::is_public_at`](crate::domain::PostStatus::is_public_at)
/// (a test keeps the two equal). The database's clock decides, so a
/// scheduled post is never shown early by any instance and is shown on
/// time, everywhere at once, before the scheduler has flipped it.
///
/// Written as `status IN (published, scheduled) AND (…)` so that the first
/// half is the predicate of the partial indexes behind public lists.
///
/// Built with the query builder, not as SQL text: diesel never keeps a
/// prepared statement that holds an SQL literal, and PostgreSQL would
/// parse and plan every post read again.
#[diesel::dsl::auto_type]
pub fn is_public() -> _ {
    let published: &'static str = "published";
    let either: [&'static str; 2] = ["published", "scheduled"];
    posts::status
        .eq_any(either)
        .and(posts::status.eq(published).or(posts::published_at.le(now)))
}

/// [`is_public`] as SQL text, for hand-written queries on `posts` under
/// the alias `table` (`posts`, `p`).
pub fn public_sql(table: &str) -> String {
    format!(
        "({table}.status IN ('published', 'scheduled') \
          AND ({table}.status = 'published' OR {table}.published_at <= now()))"
    )
}

/// [`is_public`] as SQL text for queries on `posts` by its own name.
pub static PUBLIC_SQL: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| public_sql("posts"));

#[derive(diesel::QueryableByName)]
struct Flipped {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
}

/// The most posts one call publishes; the next tick takes the rest.
const BATCH: usize = 500;

/// Publishes every scheduled post whose time has come and returns their
/// ids. Each post is flipped by one conditional UPDATE, so however many
/// instances run this at once, every post is published exactly once (by
/// the one statement whose `WHERE status = 'scheduled'` still held).
///
/// One row per statement, skipping rows an editor has locked: the flip
/// then never waits on another writer while holding the row it changed.
pub async fn publish_due(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Vec<Uuid>> {
    let mut published = Vec::new();
    while published.len() < BATCH {
        let flipped: Option<Flipped> = diesel::sql_query(
            "UPDATE posts SET status = 'published', updated_at = now() \
             WHERE status = 'scheduled' AND id = ( \
                SELECT id FROM posts WHERE status = 'scheduled' AND published_at <= now() \
                ORDER BY published_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
             RETURNING id",
        )
        .get_result(conn)
        .await
        .map(Some)
        .or_else(|e| match e {
            diesel::result::Error::NotFound => Ok(None),
            e => Err(e),
        })?;
        match flipped {
            Some(row) => published.push(row.id),
            None => break,
        }
    }
    Ok(published)
}
