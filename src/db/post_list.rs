//! The post list: filters, sorts, keyset and offset pagination, and
//! full-text search, composed as one parameterised SQL statement.
//!
//! Written in SQL rather than the query DSL because it needs row-value
//! comparisons (`(published_at, id) < ($1, $2)`, which an index can seek to)
//! and text-search functions the DSL does not have. Every value is bound;
//! only fixed fragments from this file are ever spliced into the text.

use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{
    Array, Float4, HasSqlType, Int8, Jsonb, Nullable, Text, Timestamptz, Untyped, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::lifecycle::public_sql;
use crate::domain::{PostStatus, Slug, Title, Visibility};

/// The text-search configuration, as stored by [`set_search_language`].
const LANGUAGE: &str = "(SELECT language FROM search_settings)";
/// How much of a hit's text its snippet is cut from: `ts_headline` parses
/// all it is given, so a snippet from a whole 1 MB body would cost each
/// search as much as the longest post it finds.
pub const SNIPPET_SOURCE_CHARS: usize = 4_000;

/// Which posts to list. Every field narrows the list; all combine.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub visibility: Visibility,
    pub status: Option<PostStatus>,
    pub tag: Option<String>,
    pub author: Option<Uuid>,
    /// Exclusive bounds on `published_at`.
    pub published_after: Option<DateTime<Utc>>,
    pub published_before: Option<DateTime<Utc>>,
    /// Each entry must match: the metadata contains one of its documents.
    pub metadata: Vec<Vec<serde_json::Value>>,
    /// Web-search syntax (`"a phrase" -not or`).
    pub search: Option<String>,
}

impl ListFilter {
    pub fn new(visibility: Visibility) -> Self {
        Self {
            visibility,
            status: None,
            tag: None,
            author: None,
            published_after: None,
            published_before: None,
            metadata: Vec::new(),
            search: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    PublishedAt,
    UpdatedAt,
    Title,
    /// Search rank, best first (only with a search).
    Relevance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Sort {
    pub const NEWEST: Self = Self {
        key: SortKey::PublishedAt,
        descending: true,
    };
    pub const RELEVANCE: Self = Self {
        key: SortKey::Relevance,
        descending: true,
    };
}

/// The sort-key value of the last post seen, for keyset pagination.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyValue {
    Time(Option<DateTime<Utc>>),
    Text(String),
    Rank(f32),
}

#[derive(Debug, Clone, PartialEq)]
pub struct After {
    pub value: KeyValue,
    pub id: Uuid,
}

#[derive(Debug, Clone)]
pub struct PageRequest {
    pub sort: Sort,
    pub after: Option<After>,
    pub offset: i64,
    pub limit: i64,
    pub with_markdown: bool,
    pub with_html: bool,
    pub with_plain_text: bool,
}

/// One listed post with its author's name, and whatever was asked for.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct ListedPost {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub slug: Slug,
    #[diesel(sql_type = Text)]
    pub title: Title,
    #[diesel(sql_type = Text)]
    pub excerpt: String,
    #[diesel(sql_type = Text)]
    pub status: PostStatus,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub published_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Array<Text>)]
    pub tags: Vec<String>,
    #[diesel(sql_type = Jsonb)]
    pub metadata: serde_json::Value,
    #[diesel(sql_type = SqlUuid)]
    pub author_id: Uuid,
    #[diesel(sql_type = Text)]
    pub author_name: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Text>)]
    pub markdown: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub html: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub plain_text: Option<String>,
    #[diesel(embed)]
    pub seo: super::seo::Seo,
    #[diesel(sql_type = diesel::sql_types::Int4)]
    pub word_count: i32,
    #[diesel(sql_type = diesel::sql_types::Int4)]
    pub reading_time: i32,
    #[diesel(sql_type = Nullable<Float4>)]
    pub rank: Option<f32>,
    /// The start of the text, which a search snippet is cut from.
    #[diesel(sql_type = Nullable<Text>)]
    pub snippet_source: Option<String>,
    /// Plain text with the matches between U+0002 and U+0003 (see `snippet`).
    #[diesel(sql_type = Nullable<Text>)]
    pub headline: Option<String>,
}

impl ListedPost {
    /// Where this post sits in `sort`, for the next page's cursor.
    pub fn key(&self, sort: SortKey) -> After {
        let value = match sort {
            SortKey::PublishedAt => KeyValue::Time(self.published_at),
            SortKey::UpdatedAt => KeyValue::Time(Some(self.updated_at)),
            SortKey::Title => KeyValue::Text(self.title.as_str().to_owned()),
            SortKey::Relevance => KeyValue::Rank(self.rank.unwrap_or(0.0)),
        };
        After { value, id: self.id }
    }
}

/// An SQL statement built from this file's fragments, with its bound
/// values.
///
/// Unlike diesel's `sql_query`, it lets diesel-async cache the prepared
/// statement per connection (keyed by its text and bind types): a list
/// request is then one round trip per query instead of a parse, plan and
/// execute each time. Statements with `metadata` filters are not cached,
/// since the caller chooses how many alternatives they have and so how
/// many distinct statements a connection would keep.
struct Sql {
    /// The text, with placeholders `$1`, `$2`… numbering `binds`.
    text: String,
    binds: Vec<Box<dyn QueryFragment<Pg> + Send>>,
    cacheable: bool,
}

/// One bound value.
struct Bind<ST, V> {
    value: V,
    sql_type: PhantomData<fn() -> ST>,
}

impl<ST, V> QueryFragment<Pg> for Bind<ST, V>
where
    Pg: HasSqlType<ST>,
    V: ToSql<ST, Pg>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        out.push_bind_param::<ST, V>(&self.value)
    }
}

impl Sql {
    fn new(start: &str) -> Self {
        Self {
            text: start.to_owned(),
            binds: Vec::new(),
            cacheable: true,
        }
    }

    fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    /// Binds a value and returns its placeholder (`$n`).
    fn bind<ST, V>(&mut self, value: V) -> String
    where
        Pg: HasSqlType<ST>,
        V: ToSql<ST, Pg> + Send + 'static,
        ST: 'static,
    {
        self.binds.push(Box::new(Bind::<ST, V> {
            value,
            sql_type: PhantomData,
        }));
        format!("${}", self.binds.len())
    }
}

impl QueryFragment<Pg> for Sql {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        if !self.cacheable {
            out.unsafe_to_cache_prepared();
        }
        // Every `$` in the text is a placeholder: the fragments in this
        // file have no other, and values are never spliced in. A
        // placeholder used twice binds its value twice.
        let mut rest = self.text.as_str();
        while let Some(at) = rest.find('$') {
            out.push_sql(&rest[..at]);
            let digits = rest[at + 1..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(rest.len() - at - 1, |n| n);
            let n: usize = rest[at + 1..at + 1 + digits]
                .parse()
                .map_err(|_| diesel::result::Error::QueryBuilderError("a stray `$`".into()))?;
            let bind = self.binds.get(n.wrapping_sub(1)).ok_or_else(|| {
                diesel::result::Error::QueryBuilderError(format!("no value for ${n}").into())
            })?;
            bind.walk_ast(out.reborrow())?;
            rest = &rest[at + 1 + digits..];
        }
        out.push_sql(rest);
        Ok(())
    }
}

impl QueryId for Sql {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Sql {
    type SqlType = Untyped;
}

/// The tsquery for a search, as an SQL expression.
fn tsquery(sql: &mut Sql, search: &str) -> String {
    let q = sql.bind::<Text, _>(search.to_owned());
    format!("websearch_to_tsquery({LANGUAGE}, {q})")
}

fn push_filters(sql: &mut Sql, f: &ListFilter, tsq: Option<&str>) {
    match f.visibility {
        Visibility::Published => {
            sql.push(&format!(" AND {}", public_sql("p")));
        }
        Visibility::PublishedOrOwnedBy(user) => {
            let u = sql.bind::<SqlUuid, _>(user);
            sql.push(&format!(" AND ({} OR p.author_id = {u})", public_sql("p")));
        }
        Visibility::All => {}
    }
    // Statuses as readers are told them: a scheduled post whose time has
    // come is published.
    match f.status {
        Some(PostStatus::Published) => {
            sql.push(&format!(" AND {}", public_sql("p")));
        }
        Some(PostStatus::Scheduled) => {
            sql.push(" AND p.status = 'scheduled' AND p.published_at > now()");
        }
        Some(status) => {
            let s = sql.bind::<Text, _>(status.as_str());
            sql.push(&format!(" AND p.status = {s}"));
        }
        None => {}
    }
    if let Some(tag) = &f.tag {
        let t = sql.bind::<Array<Text>, _>(vec![tag.clone()]);
        sql.push(&format!(" AND p.tags @> {t}"));
    }
    if let Some(author) = f.author {
        let a = sql.bind::<SqlUuid, _>(author);
        sql.push(&format!(" AND p.author_id = {a}"));
    }
    if let Some(after) = f.published_after {
        let t = sql.bind::<Timestamptz, _>(after);
        sql.push(&format!(" AND p.published_at > {t}"));
    }
    if let Some(before) = f.published_before {
        let t = sql.bind::<Timestamptz, _>(before);
        sql.push(&format!(" AND p.published_at < {t}"));
    }
    if !f.metadata.is_empty() {
        sql.cacheable = false;
    }
    for alternatives in &f.metadata {
        let parts: Vec<String> = alternatives
            .iter()
            .map(|doc| {
                let d = sql.bind::<Jsonb, _>(doc.clone());
                format!("p.metadata @> {d}")
            })
            .collect();
        sql.push(&format!(" AND ({})", parts.join(" OR ")));
    }
    if let Some(tsq) = tsq {
        sql.push(&format!(" AND p.search_vector @@ {tsq}"));
    }
}

/// How many posts match the filter.
pub async fn count(conn: &mut AsyncPgConnection, f: &ListFilter) -> diesel::QueryResult<i64> {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = Int8)]
        n: i64,
    }
    let mut sql = Sql::new("SELECT count(*) AS n FROM posts p WHERE true");
    let tsq = f.search.as_deref().map(|s| tsquery(&mut sql, s));
    push_filters(&mut sql, f, tsq.as_deref());
    let found: Count = sql.get_result(conn).await?;
    Ok(found.n)
}

fn page_sql(f: &ListFilter, page: &PageRequest, prefix: &str) -> Sql {
    let mut sql = Sql::new(prefix);
    let tsq = f.search.as_deref().map(|s| tsquery(&mut sql, s));
    let rank = tsq
        .as_deref()
        .map(|q| format!("ts_rank_cd(p.search_vector, {q})"));
    sql.push(&format!(
        "SELECT l.*, {headline} AS headline FROM (\
         SELECT p.id, p.slug, p.title, p.excerpt, p.status, p.published_at, p.tags, \
         p.metadata, p.author_id, u.name AS author_name, p.created_at, p.updated_at, \
         {md} AS markdown, {html} AS html, {plain} AS plain_text, p.word_count, p.reading_time, \
         p.feature_image, p.feature_image_alt, p.feature_image_caption, p.featured, \
         p.meta_title, p.meta_description, p.canonical_url, p.og_image, \
         {rank} AS rank, {source} AS snippet_source \
         FROM posts p JOIN users u ON u.id = p.author_id WHERE true",
        headline = tsq.as_deref().map_or("NULL::text".to_owned(), |q| format!(
            "ts_headline({LANGUAGE}, translate(l.title || E'\\n' || l.excerpt || E'\\n' || l.snippet_source, E'\\x02\\x03', ''), {q}, \
             'StartSel=\u{2}, StopSel=\u{3}, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=\" … \"')"
        )),
        source = if tsq.is_some() {
            format!("left(p.plain_text, {SNIPPET_SOURCE_CHARS})")
        } else {
            "NULL::text".to_owned()
        },
        md = if page.with_markdown { "p.markdown" } else { "NULL::text" },
        html = if page.with_html { "p.html" } else { "NULL::text" },
        plain = if page.with_plain_text { "p.plain_text" } else { "NULL::text" },
        rank = rank.as_deref().unwrap_or("NULL::real"),
    ));
    push_filters(&mut sql, f, tsq.as_deref());

    let (column, id_order) = match page.sort.key {
        SortKey::PublishedAt => ("p.published_at".to_owned(), page.sort.descending),
        SortKey::UpdatedAt => ("p.updated_at".to_owned(), page.sort.descending),
        SortKey::Title => ("p.title".to_owned(), page.sort.descending),
        SortKey::Relevance => (rank.clone().unwrap_or_else(|| "0".into()), true),
    };
    let (cmp, dir) = if id_order {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(after) = &page.after {
        let id = sql.bind::<SqlUuid, _>(after.id);
        // PostgreSQL sorts NULL above every value (last ascending, first
        // descending); only `published_at` can be NULL (drafts).
        let clause = match (&after.value, id_order) {
            (KeyValue::Time(None), false) => format!("{column} IS NULL AND p.id > {id}"),
            (KeyValue::Time(None), true) => {
                format!("(({column} IS NULL AND p.id < {id}) OR {column} IS NOT NULL)")
            }
            (value, _) => {
                let v = match value {
                    KeyValue::Time(t) => sql.bind::<Timestamptz, _>(t.unwrap_or_default()),
                    KeyValue::Text(t) => sql.bind::<Text, _>(t.clone()),
                    KeyValue::Rank(r) => sql.bind::<Float4, _>(*r),
                };
                let row = format!("({column}, p.id) {cmp} ({v}, {id})");
                if id_order || page.sort.key != SortKey::PublishedAt {
                    row
                } else {
                    format!("({row} OR {column} IS NULL)")
                }
            }
        };
        sql.push(&format!(" AND {clause}"));
    }
    let limit = sql.bind::<Int8, _>(page.limit);
    let offset = sql.bind::<Int8, _>(page.offset);
    sql.push(&format!(
        " ORDER BY {column} {dir}, p.id {dir} LIMIT {limit} OFFSET {offset}) l \
         ORDER BY {order}",
        order = match page.sort.key {
            SortKey::PublishedAt => format!("l.published_at {dir}, l.id {dir}"),
            SortKey::UpdatedAt => format!("l.updated_at {dir}, l.id {dir}"),
            SortKey::Title => format!("l.title {dir}, l.id {dir}"),
            SortKey::Relevance => format!("l.rank {dir}, l.id {dir}"),
        }
    ));
    sql
}

/// One page of posts in the requested order.
pub async fn page(
    conn: &mut AsyncPgConnection,
    f: &ListFilter,
    page: &PageRequest,
) -> diesel::QueryResult<Vec<ListedPost>> {
    page_sql(f, page, "").load(conn).await
}

/// The plan PostgreSQL chooses for [`page`], for tests and benchmarks
/// that check every filter and sort is served by an index.
pub async fn explain_page(
    conn: &mut AsyncPgConnection,
    f: &ListFilter,
    page: &PageRequest,
) -> diesel::QueryResult<String> {
    #[derive(diesel::QueryableByName)]
    struct Line {
        #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
        line: String,
    }
    let lines: Vec<Line> = page_sql(f, page, "EXPLAIN ").load(conn).await?;
    Ok(lines
        .into_iter()
        .map(|l| l.line)
        .collect::<Vec<_>>()
        .join("\n"))
}

/// Stores the text-search language and re-indexes every post when it
/// changed. Fails when PostgreSQL has no such configuration.
pub async fn set_search_language(
    conn: &mut AsyncPgConnection,
    language: &str,
) -> diesel::QueryResult<bool> {
    use diesel_async::AsyncConnection;
    let language = language.to_owned();
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        let changed = diesel::sql_query(
            "UPDATE search_settings SET language = $1::regconfig WHERE language <> $1::regconfig",
        )
        .bind::<Text, _>(&language)
        .execute(conn)
        .await?;
        if changed > 0 {
            diesel::sql_query(format!(
                "UPDATE posts SET search_vector = \
                 posts_search_vector({LANGUAGE}, title, excerpt, markdown, tags)"
            ))
            .execute(conn)
            .await?;
        }
        Ok(changed > 0)
    })
    .await
}

/// Every published post's id, slug and last change, newest first.
pub async fn sitemap(
    conn: &mut AsyncPgConnection,
    limit: i64,
) -> diesel::QueryResult<Vec<(Uuid, String, DateTime<Utc>)>> {
    use super::schema::posts;
    use diesel::{ExpressionMethods, QueryDsl};
    posts::table
        .filter(super::lifecycle::is_public())
        .order((posts::published_at.desc(), posts::id.desc()))
        .limit(limit)
        .select((posts::id, posts::slug, posts::updated_at))
        .load(conn)
        .await
}
