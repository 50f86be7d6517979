//! Queries on `posts`.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::{
    BoolExpressionMethods, ExpressionMethods, OptionalExtension, QueryDsl, SelectableHelper,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{posts, users};

/// A whole post row.
#[derive(
    Debug, Clone, diesel::Queryable, diesel::Selectable, diesel::Insertable, diesel::AsChangeset,
)]
#[diesel(table_name = posts, check_for_backend(Pg), treat_none_as_null = true)]
pub struct Post {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub markdown: String,
    pub html: String,
    pub excerpt: String,
    pub custom_excerpt: bool,
    pub status: String,
    pub published_at: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
    pub metadata: serde_json::Value,
    pub author_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Goes up on every write (a database trigger); the ETag is built from it.
    pub version: i64,
    #[diesel(embed)]
    pub seo: super::seo::Seo,
}

/// A post without its bodies, for lists.
#[derive(Debug, Clone, diesel::Queryable, diesel::Selectable)]
#[diesel(table_name = posts, check_for_backend(Pg))]
pub struct PostSummary {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub excerpt: String,
    pub status: String,
    pub published_at: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
    pub metadata: serde_json::Value,
    pub author_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[diesel(embed)]
    pub seo: super::seo::Seo,
}

/// Which posts a caller may see.
#[derive(Debug, Clone, Copy)]
pub enum Visibility {
    /// Anonymous callers: published posts only.
    Published,
    /// Published posts and the caller's own drafts.
    PublishedOrOwnedBy(Uuid),
    /// Everything (admins and editors).
    All,
}

type BoxedPosts<'a> = posts::BoxedQuery<'a, Pg>;

fn visible(query: BoxedPosts<'_>, visibility: Visibility) -> BoxedPosts<'_> {
    match visibility {
        Visibility::Published => query.filter(crate::db::lifecycle::is_public()),
        Visibility::PublishedOrOwnedBy(user) => {
            query.filter(crate::db::lifecycle::is_public().or(posts::author_id.eq(user)))
        }
        Visibility::All => query,
    }
}

/// How a post is named in a URL.
#[derive(Debug, Clone)]
pub enum PostKey {
    Id(Uuid),
    Slug(String),
}

impl PostKey {
    /// A UUID is an id; anything else is a slug (slugs never look like UUIDs).
    pub fn parse(raw: &str) -> Self {
        match Uuid::try_parse(raw) {
            Ok(id) => Self::Id(id),
            Err(_) => Self::Slug(raw.to_owned()),
        }
    }
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    key: &PostKey,
    visibility: Visibility,
) -> diesel::QueryResult<Option<(Post, String)>> {
    let query = visible(posts::table.into_boxed(), visibility);
    let query = match key {
        PostKey::Id(id) => query.filter(posts::id.eq(*id)),
        PostKey::Slug(slug) => query.filter(posts::slug.eq(slug.clone())),
    };
    query
        .inner_join(users::table)
        .select((Post::as_select(), users::name))
        .first(conn)
        .await
        .optional()
}

/// Locks a post for an update inside the caller's transaction.
pub async fn find_for_update(
    conn: &mut AsyncPgConnection,
    key: &PostKey,
) -> diesel::QueryResult<Option<Post>> {
    // Locking clauses cannot go on boxed queries, hence two spelled out.
    let found = match key {
        PostKey::Id(id) => {
            posts::table
                .filter(posts::id.eq(*id))
                .select(Post::as_select())
                .for_update()
                .first(conn)
                .await
        }
        PostKey::Slug(slug) => {
            posts::table
                .filter(posts::slug.eq(slug))
                .select(Post::as_select())
                .for_update()
                .first(conn)
                .await
        }
    };
    found.optional()
}

/// One page of posts, newest first, and how many there are in all.
pub async fn list(
    conn: &mut AsyncPgConnection,
    visibility: Visibility,
    offset: i64,
    limit: i64,
) -> diesel::QueryResult<(Vec<(PostSummary, String)>, i64)> {
    let total: i64 = visible(posts::table.into_boxed(), visibility)
        .count()
        .get_result(conn)
        .await?;
    if offset >= total {
        // Past the end: skip the page query entirely.
        return Ok((Vec::new(), total));
    }
    let rows = visible(posts::table.into_boxed(), visibility)
        .inner_join(users::table)
        .order((posts::published_at.desc(), posts::id.desc()))
        .offset(offset)
        .limit(limit)
        .select((PostSummary::as_select(), users::name))
        .load(conn)
        .await?;
    Ok((rows, total))
}

pub async fn insert(conn: &mut AsyncPgConnection, post: &Post) -> diesel::QueryResult<Post> {
    diesel::insert_into(posts::table)
        .values(post)
        .returning(Post::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(conn: &mut AsyncPgConnection, post: &Post) -> diesel::QueryResult<Post> {
    diesel::update(posts::table.filter(posts::id.eq(post.id)))
        .set(post)
        .returning(Post::as_returning())
        .get_result(conn)
        .await
}

/// Deletes a post; false when there was none.
pub async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> diesel::QueryResult<bool> {
    let n = diesel::delete(posts::table.filter(posts::id.eq(id)))
        .execute(conn)
        .await?;
    Ok(n > 0)
}

pub async fn author_name(conn: &mut AsyncPgConnection, id: Uuid) -> diesel::QueryResult<String> {
    users::table
        .filter(users::id.eq(id))
        .select(users::name)
        .first(conn)
        .await
}
