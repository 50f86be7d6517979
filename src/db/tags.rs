//! Queries on `tags` and `tag_names`.

use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::lifecycle::PUBLIC_SQL;
use super::sql::Sql;
use crate::domain::Slug;
use crate::domain::Visibility;

#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct TagRow {
    #[diesel(sql_type = Text)]
    pub slug: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub description: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
    /// Public posts carrying the tag.
    #[diesel(sql_type = BigInt)]
    pub posts: i64,
    /// Posts of any status carrying it.
    #[diesel(sql_type = BigInt)]
    pub all_posts: i64,
}

/// The tags a viewer may know of: those carried by a post they may see
/// (`$1`: everything; `$2`: a user whose own posts they see), so a draft's
/// tags stay as private as the draft. Editors and admins know every tag,
/// also those no post carries yet.
fn select(filter: &str) -> String {
    let public = &*PUBLIC_SQL;
    format!(
        "SELECT t.slug, t.name, t.description, t.created_at, t.updated_at, \
           (SELECT count(*) FROM posts WHERE {public} AND posts.tags && \
              ARRAY(SELECT n.name FROM tag_names n WHERE n.tag_slug = t.slug)) AS posts, \
           (SELECT count(*) FROM posts WHERE posts.tags && \
              ARRAY(SELECT n.name FROM tag_names n WHERE n.tag_slug = t.slug)) AS all_posts \
         FROM tags t \
         WHERE ($1 OR EXISTS (SELECT 1 FROM posts WHERE ({public} OR posts.author_id = $2) \
              AND posts.tags && ARRAY(SELECT n.name FROM tag_names n WHERE n.tag_slug = t.slug))) \
         {filter}"
    )
}

fn viewer(visibility: Visibility) -> (bool, Option<Uuid>) {
    match visibility {
        Visibility::All => (true, None),
        Visibility::PublishedOrOwnedBy(user) => (false, Some(user)),
        Visibility::Published => (false, None),
    }
}

/// Every tag the viewer may know of, by slug, with its post counts.
pub async fn list(
    conn: &mut AsyncPgConnection,
    visibility: Visibility,
) -> diesel::QueryResult<Vec<TagRow>> {
    let (all, user) = viewer(visibility);
    diesel::sql_query(select("ORDER BY t.slug"))
        .bind::<Bool, _>(all)
        .bind::<Nullable<SqlUuid>, _>(user)
        .load(conn)
        .await
}

/// A tag by slug, if the viewer may know of it.
pub async fn find(
    conn: &mut AsyncPgConnection,
    slug: &str,
    visibility: Visibility,
) -> diesel::QueryResult<Option<TagRow>> {
    let (all, user) = viewer(visibility);
    let mut rows: Vec<TagRow> = diesel::sql_query(select("AND t.slug = $3"))
        .bind::<Bool, _>(all)
        .bind::<Nullable<SqlUuid>, _>(user)
        .bind::<Text, _>(slug)
        .load(conn)
        .await?;
    Ok(rows.pop())
}

/// Creates the tags of these names that do not exist yet, and records
/// which tag each name belongs to. Names are taken in slug order, so two
/// writers adding the same new tags never wait on each other in a cycle.
pub async fn ensure(conn: &mut AsyncPgConnection, names: &[String]) -> diesel::QueryResult<()> {
    let (slugs, names) = slugs_and_names(names);
    if slugs.is_empty() {
        return Ok(());
    }
    // One call (see migration 2026-12-03-500003_write_functions): nothing
    // is inserted when every tag exists, as for most writes.
    // Kept prepared: most post writes send it.
    Sql::new("SELECT folio_ensure_tags($1, $2)")
        .with::<Array<Text>, _>(slugs)
        .with::<Array<Text>, _>(names)
        .execute(conn)
        .await?;
    Ok(())
}

/// The arguments of `folio_ensure_tags` for these tag names: each name's
/// slug and the name, in slug order (a name with no slug is left out).
pub fn slugs_and_names(names: &[String]) -> (Vec<String>, Vec<String>) {
    let mut pairs: Vec<(String, String)> = names
        .iter()
        .filter_map(|n| Some((Slug::from_title(n)?.to_string(), n.clone())))
        .collect();
    pairs.sort();
    pairs.into_iter().unzip()
}

/// Registers the tags of posts written before tags were resources.
pub async fn ensure_all(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let missing: Vec<Name> = diesel::sql_query(
        "SELECT DISTINCT unnest(tags) AS name FROM posts \
         EXCEPT SELECT name FROM tag_names",
    )
    .load(conn)
    .await?;
    let names: Vec<String> = missing.into_iter().map(|n| n.name).collect();
    ensure(conn, &names).await
}

/// Inserts a tag; false when the slug is taken.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    slug: &str,
    name: &str,
    description: Option<&str>,
) -> diesel::QueryResult<bool> {
    let n = diesel::sql_query(
        "INSERT INTO tags (slug, name, description) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind::<Text, _>(slug)
    .bind::<Text, _>(name)
    .bind::<Nullable<Text>, _>(description)
    .execute(conn)
    .await?;
    if n > 0 {
        diesel::sql_query(
            "INSERT INTO tag_names (name, tag_slug) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind::<Text, _>(name)
        .bind::<Text, _>(slug)
        .execute(conn)
        .await?;
    }
    Ok(n > 0)
}

/// Changes a tag's name and description; false when there is no such tag.
pub async fn update(
    conn: &mut AsyncPgConnection,
    slug: &str,
    name: &str,
    description: Option<&str>,
) -> diesel::QueryResult<bool> {
    let n = diesel::sql_query(
        "UPDATE tags SET name = $2, description = $3, updated_at = now() WHERE slug = $1",
    )
    .bind::<Text, _>(slug)
    .bind::<Text, _>(name)
    .bind::<Nullable<Text>, _>(description)
    .execute(conn)
    .await?;
    Ok(n > 0)
}

/// Deletes a tag no post uses. `None` when there is no such tag,
/// `Some(false)` when posts still carry it.
pub async fn delete_unused(
    conn: &mut AsyncPgConnection,
    slug: &str,
) -> diesel::QueryResult<Option<bool>> {
    #[derive(diesel::QueryableByName)]
    struct Outcome {
        #[diesel(sql_type = Bool)]
        existed: bool,
        #[diesel(sql_type = Bool)]
        deleted: bool,
    }
    let outcome: Outcome = diesel::sql_query(
        "WITH target AS (SELECT slug FROM tags WHERE slug = $1), \
              used AS (SELECT EXISTS (SELECT 1 FROM posts WHERE posts.tags && \
                  ARRAY(SELECT name FROM tag_names WHERE tag_slug = $1)) AS yes), \
              gone AS (DELETE FROM tags WHERE slug = $1 AND NOT (SELECT yes FROM used) RETURNING slug) \
         SELECT EXISTS (SELECT 1 FROM target) AS existed, EXISTS (SELECT 1 FROM gone) AS deleted",
    )
    .bind::<Text, _>(slug)
    .get_result(conn)
    .await?;
    Ok(outcome.existed.then_some(outcome.deleted))
}
