//! Queries on `post_slug_aliases`: the slugs posts had before.

use diesel::upsert::excluded;
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::post_slug_aliases;

/// Remembers that `slug` now leads to `post_id`. A slug that was another
/// post's alias moves to this post: the newest claim on a URL wins.
pub async fn remember(
    conn: &mut AsyncPgConnection,
    slug: &str,
    post_id: Uuid,
) -> diesel::QueryResult<()> {
    diesel::insert_into(post_slug_aliases::table)
        .values((
            post_slug_aliases::slug.eq(slug),
            post_slug_aliases::post_id.eq(post_id),
        ))
        .on_conflict(post_slug_aliases::slug)
        .do_update()
        .set((
            post_slug_aliases::post_id.eq(excluded(post_slug_aliases::post_id)),
            post_slug_aliases::created_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The post an old slug leads to, if any.
pub async fn resolve(
    conn: &mut AsyncPgConnection,
    slug: &str,
) -> diesel::QueryResult<Option<Uuid>> {
    post_slug_aliases::table
        .filter(post_slug_aliases::slug.eq(slug))
        .select(post_slug_aliases::post_id)
        .first(conn)
        .await
        .optional()
}
