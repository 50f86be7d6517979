//! Queries on `posts`.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::{
    BoolExpressionMethods, ExpressionMethods, OptionalExtension, QueryDsl, SelectableHelper,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{posts, users};
use crate::domain::{PostStatus, Slug, Title, Visibility};

/// A whole post row.
#[derive(
    Debug, Clone, diesel::Queryable, diesel::Selectable, diesel::Insertable, diesel::AsChangeset,
)]
// `None` is NULL on insert too, not `DEFAULT` (these columns default to
// NULL anyway): the INSERT's text is then always the same, and diesel-async
// keeps it prepared instead of parsing and planning it on every write.
#[diesel(
    table_name = posts,
    check_for_backend(Pg),
    treat_none_as_null = true,
    treat_none_as_default_value = false
)]
pub struct Post {
    pub id: Uuid,
    pub slug: Slug,
    pub title: Title,
    pub markdown: String,
    pub html: String,
    pub excerpt: String,
    pub custom_excerpt: bool,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
    pub metadata: serde_json::Value,
    pub author_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The text a reader sees, derived from the body.
    pub plain_text: String,
    /// The table of contents: a JSON array of `render::TocEntry`.
    pub toc: serde_json::Value,
    pub word_count: i32,
    pub reading_time: i32,
    /// The renderer version that produced `html` and the derived fields
    /// (`render::RENDERER_VERSION`).
    pub renderer_version: i32,
    /// Goes up on every write (a database trigger); the ETag is built from it.
    pub version: i64,
    #[diesel(embed)]
    pub seo: super::seo::Seo,
    /// The media items the body and feature image refer to, as rendered: a
    /// JSON array of `render::MediaImage`.
    pub media: serde_json::Value,
}

impl Post {
    /// Whether readers who may see only public posts see this one at `now`.
    pub fn is_public_at(&self, now: DateTime<Utc>) -> bool {
        self.status.is_public_at(self.published_at, now)
    }
}

/// A post without its bodies, for lists.
#[derive(Debug, Clone, diesel::Queryable, diesel::Selectable)]
#[diesel(table_name = posts, check_for_backend(Pg))]
pub struct PostSummary {
    pub id: Uuid,
    pub slug: Slug,
    pub title: Title,
    pub excerpt: String,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
    pub metadata: serde_json::Value,
    pub author_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub word_count: i32,
    pub reading_time: i32,
    #[diesel(embed)]
    pub seo: super::seo::Seo,
}

type BoxedPosts<'a> = posts::BoxedQuery<'a, Pg>;

fn visible(query: BoxedPosts<'_>, visibility: Visibility) -> BoxedPosts<'_> {
    use crate::db::lifecycle::is_public;
    match visibility {
        Visibility::Published => query.filter(is_public()),
        Visibility::PublishedOrOwnedBy(user) => {
            query.filter(is_public().or(posts::author_id.eq(user)))
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
    /// A UUID is an id; anything else must be a well-formed slug (slugs
    /// never look like UUIDs). `None` names no post at all: such a key is
    /// never sent to the database, where a NUL in it would fail the query.
    pub fn parse(raw: &str) -> Option<Self> {
        match Uuid::try_parse(raw) {
            Ok(id) => Some(Self::Id(id)),
            Err(_) => Slug::parse(raw).ok().map(|s| Self::Slug(s.to_string())),
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

/// The posts whose current slug is one of `slugs` (old slugs are not
/// looked at), for the bulk import's look-ahead; not locked.
pub async fn find_by_slugs(
    conn: &mut AsyncPgConnection,
    slugs: &[Slug],
) -> diesel::QueryResult<Vec<Post>> {
    if slugs.is_empty() {
        return Ok(Vec::new());
    }
    posts::table
        .filter(posts::slug.eq_any(slugs))
        .select(Post::as_select())
        .load(conn)
        .await
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

pub async fn insert(conn: &mut AsyncPgConnection, post: &Post) -> diesel::QueryResult<Post> {
    diesel::insert_into(posts::table)
        .values(post)
        .returning(Post::as_returning())
        .get_result(conn)
        .await
}

/// Inserts many posts in one statement; a post whose slug is taken is left
/// out (not an error): the rows returned are those inserted.
pub async fn insert_many(
    conn: &mut AsyncPgConnection,
    new: &[Post],
) -> diesel::QueryResult<Vec<Post>> {
    diesel::insert_into(posts::table)
        .values(new)
        .on_conflict(posts::slug)
        .do_nothing()
        .returning(Post::as_returning())
        .get_results(conn)
        .await
}

/// Every column of a post but its body and what is rendered from it. A new
/// column of `posts` must be added here too, or an edit that keeps the body
/// would not write it (the media a feature image names, for one, changes
/// with the body unchanged).
#[derive(diesel::AsChangeset)]
#[diesel(table_name = posts, check_for_backend(Pg), treat_none_as_null = true)]
struct WithoutBody {
    slug: Slug,
    title: Title,
    excerpt: String,
    custom_excerpt: bool,
    status: PostStatus,
    published_at: Option<DateTime<Utc>>,
    tags: Vec<String>,
    metadata: serde_json::Value,
    author_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    word_count: i32,
    reading_time: i32,
    renderer_version: i32,
    version: i64,
    media: serde_json::Value,
    #[diesel(embed)]
    seo: super::seo::Seo,
}

/// Writes `post` over the row it was read as `before`. An edit that leaves
/// the body alone (a new title, tags, status, a publish) does not send the
/// body, its HTML and plain text again: PostgreSQL then keeps their stored,
/// compressed values as they are instead of compressing and storing them
/// anew.
pub async fn update(
    conn: &mut AsyncPgConnection,
    before: &Post,
    post: &Post,
) -> diesel::QueryResult<Post> {
    let target = posts::table.filter(posts::id.eq(post.id));
    let same_body = post.markdown == before.markdown
        && post.html == before.html
        && post.plain_text == before.plain_text
        && post.toc == before.toc;
    if !same_body {
        return diesel::update(target)
            .set(post)
            .returning(Post::as_returning())
            .get_result(conn)
            .await;
    }
    let fields = WithoutBody {
        slug: post.slug.clone(),
        title: post.title.clone(),
        excerpt: post.excerpt.clone(),
        custom_excerpt: post.custom_excerpt,
        status: post.status,
        published_at: post.published_at,
        tags: post.tags.clone(),
        metadata: post.metadata.clone(),
        author_id: post.author_id,
        created_at: post.created_at,
        updated_at: post.updated_at,
        word_count: post.word_count,
        reading_time: post.reading_time,
        renderer_version: post.renderer_version,
        version: post.version,
        media: post.media.clone(),
        seo: post.seo.clone(),
    };
    diesel::update(target)
        .set(fields)
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

/// Locks up to `limit` posts rendered by a renderer older than `version`,
/// skipping posts another transaction holds, so several instances can
/// share the work without waiting on or repeating each other.
pub async fn lock_stale(
    conn: &mut AsyncPgConnection,
    version: i32,
    limit: i64,
) -> diesel::QueryResult<Vec<Post>> {
    posts::table
        .filter(posts::renderer_version.lt(version))
        .order(posts::id)
        .limit(limit)
        .select(Post::as_select())
        .for_update()
        .skip_locked()
        .load(conn)
        .await
}

/// Writes back what rendering produced, and nothing else: a re-render is
/// not an edit, so `updated_at` stays as it was.
pub async fn store_rendered(conn: &mut AsyncPgConnection, post: &Post) -> diesel::QueryResult<()> {
    diesel::update(posts::table.filter(posts::id.eq(post.id)))
        .set((
            posts::html.eq(&post.html),
            posts::excerpt.eq(&post.excerpt),
            posts::plain_text.eq(&post.plain_text),
            posts::toc.eq(&post.toc),
            posts::word_count.eq(post.word_count),
            posts::reading_time.eq(post.reading_time),
            posts::renderer_version.eq(post.renderer_version),
            posts::media.eq(&post.media),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Marks every post as rendered by no renderer at all, so the next
/// re-render covers them all (after a change of media base URL).
pub async fn mark_all_stale(conn: &mut AsyncPgConnection) -> diesel::QueryResult<usize> {
    diesel::update(posts::table.filter(posts::renderer_version.ne(0)))
        .set(posts::renderer_version.eq(0))
        .execute(conn)
        .await
}

pub async fn author_name(conn: &mut AsyncPgConnection, id: Uuid) -> diesel::QueryResult<String> {
    users::table
        .filter(users::id.eq(id))
        .select(users::name)
        .first(conn)
        .await
}

#[cfg(test)]
mod tests {
    use diesel::query_builder::QueryFragment;

    use super::*;

    /// Every post write sends this INSERT: were it not safe to keep
    /// prepared (a `None` written as `DEFAULT`), PostgreSQL would parse and
    /// plan it each time.
    #[test]
    fn the_insert_of_a_post_can_stay_prepared() {
        let mut post = crate::domain::post::sample_post(Uuid::nil());
        post.published_at = None;
        post.seo.feature_image = None;
        let insert = diesel::insert_into(posts::table)
            .values(&post)
            .returning(Post::as_returning());
        assert!(insert.is_safe_to_cache_prepared(&Pg).unwrap());
    }
}
