//! The post list: filters, sorts, keyset and offset pagination, and
//! full-text search, composed as one parameterised SQL statement.
//!
//! Written in SQL rather than the query DSL because it needs row-value
//! comparisons (`(published_at, id) < ($1, $2)`, which an index can seek to)
//! and text-search functions the DSL does not have. Every value is bound
//! but one, a walk's page size (an integer: see [`walk_limit`]); only
//! fixed fragments from this file are ever spliced into the text.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, Float4, Int8, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::lifecycle::public_sql;
use super::sql::Sql;
use crate::domain::{PostStatus, Slug, Title, Visibility};

/// The text-search configuration, as stored by [`set_search_language`].
const LANGUAGE: &str = "(SELECT language FROM search_settings)";
/// How much of a hit's plain text its search snippet may come from (after
/// its title and excerpt): the snippet shows the first matches in these.
/// The triggers of migration `2026-12-07-000000_snippet_sources` keep
/// this prefix of each post in `post_snippet_sources`.
pub const SNIPPET_SOURCE_CHARS: usize = 2_000;

/// The most matches a search counts, and ranks. When more posts match,
/// the total is reported as at least this many, and a search sorted by
/// relevance lists its hits newest first (each still with its rank):
/// ranking or counting every match of a word found in most posts costs
/// as much as the posts it is found in.
pub const SEARCH_COUNT_CAP: i64 = 1_000;

/// How much dearer testing one post while walking an index in order is
/// than collecting one match from the search index (the walk reads each
/// post's whole search vector; the search index hands over row numbers).
/// Measured at 100,000 posts: ~2.6 µs against ~0.35 µs.
const WALK_ROW_COST: f64 = 8.0;

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

/// How a search page finds its posts (see [`search_path`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchPath {
    /// Every match comes from the search index, then is ranked or sorted:
    /// the cost follows the number of matches.
    Collect,
    /// The sort's own index is walked in order and each post tested until
    /// the page is full: the cost follows how rare matches are.
    Walk,
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
    /// With a search: how its posts are found.
    pub search_path: SearchPath,
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
    /// With a search: the start of the plain text, for the snippet.
    #[diesel(sql_type = Nullable<Text>)]
    pub snippet_source: Option<String>,
    /// With a search: its tsquery as text, whose lexemes the snippet marks.
    #[diesel(sql_type = Nullable<Text>)]
    pub search_query: Option<String>,
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

/// The tsquery for a search, as two SQL expressions of the same value.
struct Tsq {
    /// A subquery: parsed once per statement, however many rows test it.
    once: String,
    /// The form the search index's cost estimate takes to (with the
    /// subquery above it prices the index as if it had to read all of it).
    indexed: String,
    /// The search's placeholder.
    text: String,
}

fn tsquery(sql: &mut Sql, search: &str) -> Tsq {
    let q = sql.bind::<Text, _>(search.to_owned());
    Tsq {
        once: format!("(SELECT websearch_to_tsquery(language, {q}) FROM search_settings)"),
        indexed: format!("websearch_to_tsquery({LANGUAGE}, {q})"),
        text: q,
    }
}

impl Tsq {
    /// The query parsed once for a whole statement, as its first common
    /// table expression `query`, returned with the text that defines it.
    ///
    /// Each use of a placeholder is a value of its own to PostgreSQL, so
    /// every `once` subquery in a statement parses the search again: the
    /// first statement of a search used three (rank, estimate, snippet
    /// query). `indexed` stays as it is, for the index's cost estimate.
    fn shared(self) -> (Self, String) {
        let cte = format!(
            "query AS MATERIALIZED (SELECT websearch_to_tsquery(language, {}) AS q \
             FROM search_settings)",
            self.text
        );
        let shared = Self {
            once: "(SELECT q FROM query)".to_owned(),
            ..self
        };
        (shared, cte)
    }
}

/// Whether `f` narrows the list by anything but visibility and the search.
pub fn has_filters(f: &ListFilter) -> bool {
    f.status.is_some()
        || f.tag.is_some()
        || f.author.is_some()
        || f.published_after.is_some()
        || f.published_before.is_some()
        || !f.metadata.is_empty()
}

fn push_filters(sql: &mut Sql, f: &ListFilter, tsq: Option<&Tsq>, path: SearchPath) {
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
        sql.never_cached();
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
    match (tsq, path) {
        (Some(tsq), SearchPath::Collect) => {
            sql.push(&format!(" AND p.search_vector @@ {}", tsq.indexed));
        }
        // The function behind `@@`, called by name: no index can serve a
        // function call, so the planner walks the sort's index and tests
        // each post. Its selectivity is then a function's default (a
        // third) rather than the operator's for a query it cannot see
        // (0.5 %): at that share a walk looked like a scan of the whole
        // index, and on a site of a few thousand posts PostgreSQL tested
        // every post and sorted the matches instead (at 5,000 posts,
        // 29.5 ms against 2.4 ms for the walk). Folio walks only when the
        // statistics say many posts match, so a third is nearer the truth.
        (Some(tsq), SearchPath::Walk) => {
            sql.push(&format!(" AND ts_match_vq(p.search_vector, {})", tsq.once));
        }
        (None, _) => {}
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
    push_filters(&mut sql, f, None, SearchPath::Collect);
    let found: Count = sql.get_result(conn).await?;
    Ok(found.n)
}

/// What a search knows of its matches before reading a page.
#[derive(Debug, Clone, Copy, PartialEq, diesel::QueryableByName)]
pub struct SearchCount {
    /// Matches counted, at most [`SEARCH_COUNT_CAP`]; `None` when not
    /// counted: the statistics said there are more, or no count was asked.
    #[diesel(sql_type = Nullable<Int8>)]
    pub counted: Option<i64>,
    /// A lower bound on the matches from the planner's statistics (0 when
    /// they cannot tell).
    #[diesel(sql_type = diesel::sql_types::Float8)]
    pub estimated: f64,
    /// About how many posts the search looks through.
    #[diesel(sql_type = diesel::sql_types::Float8)]
    pub posts: f64,
}

impl SearchCount {
    /// The total to report, and whether it is exact (not a lower bound).
    pub fn total(&self) -> (i64, bool) {
        match self.counted {
            Some(n) if n < SEARCH_COUNT_CAP => (n, true),
            _ => (SEARCH_COUNT_CAP, false),
        }
    }

    /// Whether more posts match than a search counts and ranks.
    pub fn is_large(&self) -> bool {
        !self.total().1
    }

    /// Whether this search is known to have more matches than a search
    /// counts: counted up to the cap, or not counted because the
    /// statistics said so. A cursor page's estimate, never counted, is not
    /// known large unless the statistics said so.
    pub fn is_known_large(&self) -> bool {
        match self.counted {
            Some(n) => n >= SEARCH_COUNT_CAP,
            None => self.estimated >= LARGE_ESTIMATE,
        }
    }
}

/// The estimate above which a search trusts the statistics and counts
/// nothing: twice the cap, so that a lower bound that is a little off still
/// leaves more matches than are counted.
#[allow(clippy::cast_precision_loss)] // 2,000 is exact in an f64
const LARGE_ESTIMATE: f64 = (2 * SEARCH_COUNT_CAP) as f64;

/// The statistics' estimate of a search's matches, as SQL: the function
/// call to select `e.matches` and `e.posts` from, and the condition under
/// which the estimate alone says there are more than a search counts.
fn estimate(sql: &mut Sql, f: &ListFilter, tsq: &Tsq) -> (String, String) {
    let public_only = sql.bind::<diesel::sql_types::Bool, _>(f.visibility != Visibility::All);
    let few = sql.bind::<diesel::sql_types::Float8, _>(LARGE_ESTIMATE);
    // The statistics stand for the whole table: with other filters the
    // matches among what they leave are counted.
    let trust = if has_filters(f) { "false" } else { "true" };
    (
        format!(
            "posts_search_estimate({}, {public_only}, {few}) e",
            tsq.once
        ),
        format!("({trust} AND e.matches >= {few})"),
    )
}

fn search_estimate_sql(f: &ListFilter, search: &str, prefix: &str) -> Sql {
    let mut sql = Sql::new(prefix);
    let tsq = tsquery(&mut sql, search);
    let (from, _) = estimate(&mut sql, f, &tsq);
    sql.push(&format!(
        "SELECT e.matches AS estimated, e.posts, NULL::int8 AS counted FROM {from}"
    ));
    sql
}

/// What the statistics say of a search's matches, without counting them:
/// enough to plan a cursor page (a cursor page reports no total).
pub async fn search_estimate(
    conn: &mut AsyncPgConnection,
    f: &ListFilter,
    search: &str,
) -> diesel::QueryResult<SearchCount> {
    search_estimate_sql(f, search, "").get_result(conn).await
}

/// Copies the planner's statistics the search estimate reads
/// (`search_statistics`, migration `2026-12-08-000000_search_statistics`)
/// when they changed since the last copy. Each instance calls it on its
/// scheduler tick: reading `pg_stats` per search cost a quarter of
/// PostgreSQL's time for a search at 100,000 posts, and the statistics
/// change only when `posts` is analysed. Returns whether it wrote.
pub async fn refresh_search_statistics(conn: &mut AsyncPgConnection) -> diesel::QueryResult<bool> {
    #[derive(diesel::QueryableByName)]
    struct Refreshed {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        refreshed: bool,
    }
    let row: Refreshed = diesel::sql_query("SELECT folio_refresh_search_statistics() AS refreshed")
        .get_result(conn)
        .await?;
    Ok(row.refreshed)
}

/// One row of [`search_first`]: what it found, and one post of the page
/// (none when the page was not read, or is empty).
#[derive(diesel::QueryableByName)]
struct SearchFirstRow {
    #[diesel(embed)]
    found: SearchCount,
    #[diesel(embed)]
    post: Option<ListedPost>,
}

fn search_first_sql(f: &ListFilter, search: &str, page: &PageRequest, prefix: &str) -> Sql {
    let mut sql = Sql::new(prefix);
    let (tsq, query) = tsquery(&mut sql, search).shared();
    let rank = format!("ts_rank(p.search_rank_vector, {})", tsq.once);
    // By relevance the rank is the key: sorted as `h.rank`, not computed
    // a second time (each use of a placeholder is a value of its own to
    // the planner, so two `ts_rank` calls would both run on every match).
    let (key, dir) = match page.sort.key {
        SortKey::PublishedAt => ("p.published_at", page.sort.descending),
        SortKey::UpdatedAt => ("p.updated_at", page.sort.descending),
        SortKey::Title => ("p.title", page.sort.descending),
        SortKey::Relevance => ("NULL::real", true),
    };
    let sort_by = if page.sort.key == SortKey::Relevance {
        "h.rank"
    } else {
        "h.key"
    };
    let dir = if dir { "DESC" } else { "ASC" };
    // Every match, up to the cap, with what it is sorted by: collected
    // once, for the count and the page both.
    sql.push(&format!(
        "WITH {query}, hits AS MATERIALIZED (SELECT p.id, {rank} AS rank, {key} AS key \
         FROM posts p WHERE true"
    ));
    push_filters(&mut sql, f, Some(&tsq), SearchPath::Collect);
    let cap = sql.bind::<Int8, _>(SEARCH_COUNT_CAP);
    let (from, large) = estimate(&mut sql, f, &tsq);
    let limit = sql.bind::<Int8, _>(page.limit);
    let offset = sql.bind::<Int8, _>(page.offset);
    // The page is read only when every match was counted (fewer than the
    // cap): only then is it the page of all of them. `found` is
    // materialised: inlined, its count would be written out, and run, once
    // for each use of `counted`.
    sql.push(&format!(
        " LIMIT {cap}), \
         found AS MATERIALIZED (SELECT e.matches AS estimated, e.posts, \
         CASE WHEN {large} THEN NULL ELSE (SELECT count(*) FROM hits) END AS counted \
         FROM {from}) \
         SELECT found.estimated, found.posts, found.counted, l.* FROM found \
         LEFT JOIN LATERAL (SELECT {columns}, h.rank, {snippet} \
         FROM (SELECT h.id, h.rank FROM hits h WHERE found.counted < {cap} \
         ORDER BY {sort_by} {dir}, h.id {dir} LIMIT {limit} OFFSET {offset}) h \
         JOIN posts p ON p.id = h.id JOIN users u ON u.id = p.author_id) l ON true \
         ORDER BY {order}",
        columns = columns(page),
        snippet = snippet_columns(&tsq),
        order = page_order("l", page.sort.key, dir),
    ));
    sql
}

/// A search's first statement, for a page by number: counts the matches
/// up to [`SEARCH_COUNT_CAP`] (or learns from the planner's statistics
/// that there are more) and, when there are fewer, reads the page as
/// `page` asks, collected from the search index and sorted. When there are
/// more, no page is read: plan it with [`plan_search`] and read it with
/// [`page`].
pub async fn search_first(
    conn: &mut AsyncPgConnection,
    f: &ListFilter,
    search: &str,
    page: &PageRequest,
) -> diesel::QueryResult<(SearchCount, Vec<ListedPost>)> {
    let rows: Vec<SearchFirstRow> = search_first_sql(f, search, page, "").load(conn).await?;
    let found = <[SearchFirstRow]>::first(&rows)
        .map(|r| r.found)
        .ok_or(diesel::result::Error::NotFound)?;
    Ok((found, rows.into_iter().filter_map(|r| r.post).collect()))
}

/// How a search page is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchPlan {
    /// The order the page is read in: a search sorted by relevance that
    /// matches more posts than it ranks is read newest first.
    pub sort: Sort,
    pub path: SearchPath,
}

/// Plans a search page from what [`search_first`] or [`search_estimate`]
/// found, the sort asked
/// for, the cursor (a relevance cursor holds a time when its walk began
/// newest first) and the rows wanted.
///
/// Few matches are collected from the search index, then ranked or
/// sorted. Many are found faster by walking the sort's own index and
/// testing each post, as long as the page does not lie so deep that the
/// walk would test more posts than collecting every match would cost.
pub fn plan_search(
    found: &SearchCount,
    sort: Sort,
    after: Option<&After>,
    offset: i64,
    limit: i64,
) -> SearchPlan {
    #[allow(clippy::cast_precision_loss)] // counts and page sizes, far below 2^52
    let (cap, wanted) = (SEARCH_COUNT_CAP as f64, (offset + limit) as f64);
    let large = match after {
        Some(after) if sort.key == SortKey::Relevance => matches!(after.value, KeyValue::Time(_)),
        Some(_) => found.estimated >= cap,
        None => found.is_large(),
    };
    let sort = if large && sort.key == SortKey::Relevance {
        Sort::NEWEST
    } else {
        sort
    };
    if !large {
        return SearchPlan {
            sort,
            path: SearchPath::Collect,
        };
    }
    #[allow(clippy::cast_precision_loss)] // at most the cap
    let matches = found.counted.map_or(found.estimated, |n| n as f64).max(cap);
    let share = matches / found.posts.max(matches);
    // Collecting costs every match: the estimate when the statistics gave
    // one, else (counted only as at least the cap) as many as every post,
    // which a phrase of two common words can come close to.
    let collect = if found.estimated >= cap {
        found.estimated
    } else {
        found.posts.max(cap)
    };
    let path = if wanted / share * WALK_ROW_COST <= collect {
        SearchPath::Walk
    } else {
        SearchPath::Collect
    };
    SearchPlan { sort, path }
}

/// `column` as an expression no index can order by: a search over few
/// matches must collect them from the search index and sort them, never
/// walk the whole sort index looking for them.
fn unindexed(column: &str, key: SortKey) -> String {
    match key {
        SortKey::PublishedAt | SortKey::UpdatedAt => format!("({column} + interval '0 s')"),
        SortKey::Title => format!("({column} || '')"),
        SortKey::Relevance => column.to_owned(),
    }
}

/// A listed post's columns, read from `p` (posts) and `u` (its author).
fn columns(page: &PageRequest) -> String {
    let pick = |wanted: bool, column: &str| {
        if wanted {
            column.to_owned()
        } else {
            format!("NULL::text AS {}", &column[2..])
        }
    };
    format!(
        "p.id, p.slug, p.title, p.excerpt, p.status, p.published_at, p.tags, \
         p.metadata, p.author_id, u.name AS author_name, p.created_at, p.updated_at, \
         {md}, {html}, {plain}, p.word_count, p.reading_time, \
         p.feature_image, p.feature_image_alt, p.feature_image_caption, p.featured, \
         p.meta_title, p.meta_description, p.canonical_url, p.og_image",
        md = pick(page.with_markdown, "p.markdown"),
        html = pick(page.with_html, "p.html"),
        plain = pick(page.with_plain_text, "p.plain_text"),
    )
}

/// What a search adds to a listed post: the start of its text for the
/// snippet, and the query as text for the lexemes the snippet marks.
///
/// The start of the text is kept apart (`post_snippet_sources`, written
/// by triggers): read from the plain text itself, each hit's prefix cost
/// a TOAST lookup of several chunks.
fn snippet_columns(tsq: &Tsq) -> String {
    format!(
        "coalesce((SELECT s.source FROM post_snippet_sources s WHERE s.post_id = p.id), '') \
         AS snippet_source, {}::text AS search_query",
        tsq.once
    )
}

/// The order of a page's rows, from `t`'s columns (the page's own).
fn page_order(t: &str, key: SortKey, dir: &str) -> String {
    let column = match key {
        SortKey::PublishedAt => "published_at",
        SortKey::UpdatedAt => "updated_at",
        SortKey::Title => "title",
        SortKey::Relevance => "rank",
    };
    format!("{t}.{column} {dir}, {t}.id {dir}")
}

fn page_sql(f: &ListFilter, page: &PageRequest, prefix: &str) -> Sql {
    let mut sql = Sql::new(prefix);
    let tsq = f.search.as_deref().map(|s| tsquery(&mut sql, s));
    let rank = tsq
        .as_ref()
        .map(|q| format!("ts_rank(p.search_rank_vector, {})", q.once));
    let columns = columns(page);
    match (&tsq, &rank) {
        // A search picks its page by id and rank alone, and reads only the
        // page's posts whole: the matches it sorts stay narrow, and only
        // the page's texts are read from TOAST, for their snippets.
        (Some(q), Some(rank)) => sql.push(&format!(
            "SELECT {columns}, l.rank, {snippet} \
             FROM (SELECT p.id, {rank} AS rank FROM posts p WHERE true",
            snippet = snippet_columns(q),
        )),
        _ => sql.push(&format!(
            "SELECT {columns}, NULL::real AS rank, NULL::text AS snippet_source, \
             NULL::text AS search_query \
             FROM posts p JOIN users u ON u.id = p.author_id WHERE true"
        )),
    };
    push_filters(&mut sql, f, tsq.as_ref(), page.search_path);

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
    let rows = if tsq.is_some() && page.search_path == SearchPath::Walk && page.offset == 0 {
        walk_limit(page.limit)
    } else {
        let limit = sql.bind::<Int8, _>(page.limit);
        let offset = sql.bind::<Int8, _>(page.offset);
        format!("LIMIT {limit} OFFSET {offset}")
    };
    let sort_by = match (&tsq, page.search_path, page.sort.key) {
        // The rank selected above, by its name: the expression written
        // again would be computed again for every match (each use of a
        // placeholder is a value of its own to the planner).
        (Some(_), _, SortKey::Relevance) => "rank".to_owned(),
        (Some(_), SearchPath::Collect, key) => unindexed(&column, key),
        _ => column,
    };
    sql.push(&format!(" ORDER BY {sort_by} {dir}, p.id {dir} {rows}"));
    if tsq.is_some() {
        let order = match page.sort.key {
            SortKey::Relevance => page_order("l", page.sort.key, dir),
            key => page_order("p", key, dir),
        };
        sql.push(&format!(
            ") l JOIN posts p ON p.id = l.id JOIN users u ON u.id = p.author_id ORDER BY {order}"
        ));
    }
    sql
}

/// A walk's `LIMIT`, written into the statement rather than bound: the
/// one value this file splices in, a page size (`limit` and one more,
/// 2 to 101) and nothing else.
///
/// How a walk is planned depends on how many rows it must find. With the
/// page size bound, the plan PostgreSQL would keep for every run assumes
/// a tenth of the matches, and costs so much more than one planned for
/// the value at hand that every run is planned again: ~0.5 ms at 100,000
/// posts, as long as the walk itself. Written in, the plan is the same
/// for every run, and kept after the fifth. Pages past the first (an
/// `OFFSET`) stay bound, so a connection keeps at most one walk statement
/// per page size and shape.
fn walk_limit(limit: i64) -> String {
    debug_assert!((1..=1_000).contains(&limit), "a page size, not {limit}");
    format!("LIMIT {limit}")
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
    explain(conn, page_sql(f, page, "EXPLAIN ")).await
}

/// [`page`] run under `EXPLAIN (ANALYZE, BUFFERS)`: its plan with times
/// and buffers (`bench/search_explain.sh`).
pub async fn explain_analyze_page(
    conn: &mut AsyncPgConnection,
    f: &ListFilter,
    page: &PageRequest,
) -> diesel::QueryResult<String> {
    explain(conn, page_sql(f, page, "EXPLAIN (ANALYZE, BUFFERS) ")).await
}

/// [`search_first`] run under `EXPLAIN (ANALYZE, BUFFERS)`.
pub async fn explain_analyze_search_first(
    conn: &mut AsyncPgConnection,
    f: &ListFilter,
    search: &str,
    page: &PageRequest,
) -> diesel::QueryResult<String> {
    let sql = search_first_sql(f, search, page, "EXPLAIN (ANALYZE, BUFFERS) ");
    explain(conn, sql).await
}

async fn explain(conn: &mut AsyncPgConnection, sql: Sql) -> diesel::QueryResult<String> {
    #[derive(diesel::QueryableByName)]
    struct Line {
        #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
        line: String,
    }
    let lines: Vec<Line> = sql.load(conn).await?;
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
                 posts_search_vector({LANGUAGE}, title, excerpt, markdown, tags), \
                 search_rank_vector = \
                 posts_search_rank_vector({LANGUAGE}, title, excerpt, tags)"
            ))
            .execute(conn)
            .await?;
        }
        Ok(changed > 0)
    })
    .await
}

/// How many posts the sitemap lists: the public ones.
pub async fn sitemap_count(conn: &mut AsyncPgConnection) -> diesel::QueryResult<i64> {
    use super::schema::posts;
    use diesel::QueryDsl;
    posts::table
        .filter(super::lifecycle::is_public())
        .count()
        .get_result(conn)
        .await
}

/// Public posts for the sitemap, oldest first (so a page keeps its posts
/// as new ones are published), `limit` of them after the first `offset`.
pub async fn sitemap(
    conn: &mut AsyncPgConnection,
    offset: i64,
    limit: i64,
) -> diesel::QueryResult<Vec<(Uuid, String, DateTime<Utc>)>> {
    use super::schema::posts;
    use diesel::{ExpressionMethods, QueryDsl};
    posts::table
        .filter(super::lifecycle::is_public())
        .order((posts::published_at.asc(), posts::id.asc()))
        .offset(offset)
        .limit(limit)
        .select((posts::id, posts::slug, posts::updated_at))
        .load(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(counted: Option<i64>, estimated: f64, posts: f64) -> SearchCount {
        SearchCount {
            counted,
            estimated,
            posts,
        }
    }

    #[test]
    fn few_matches_are_collected_and_ranked() {
        let plan = plan_search(
            &found(Some(228), 0.0, 1_000.0),
            Sort::RELEVANCE,
            None,
            0,
            16,
        );
        assert_eq!(plan.sort, Sort::RELEVANCE);
        assert_eq!(plan.path, SearchPath::Collect);
        assert_eq!(found(Some(999), 0.0, 1e5).total(), (999, true));
    }

    #[test]
    fn many_matches_are_walked_newest_first_unless_the_page_lies_deep() {
        let common = found(None, 23_000.0, 100_000.0);
        assert_eq!(common.total(), (SEARCH_COUNT_CAP, false));
        let first = plan_search(&common, Sort::RELEVANCE, None, 0, 16);
        assert_eq!(first.sort, Sort::NEWEST);
        assert_eq!(first.path, SearchPath::Walk);
        let cursor = plan_search(&common, Sort::RELEVANCE, Some(&after_time()), 0, 16);
        assert_eq!(cursor.path, SearchPath::Walk);
        // With 23% of posts matching, walking past ~660 hits tests more
        // posts than collecting all 23,000 matches costs (8 times less
        // each).
        let deep = plan_search(&common, Sort::RELEVANCE, None, 3_000, 16);
        assert_eq!(deep.path, SearchPath::Collect);
        // Counted as at least the cap, with nothing from the statistics:
        // the match share may be as low as 1%, yet every post may match.
        let capped = found(Some(SEARCH_COUNT_CAP), 0.0, 100_000.0);
        assert_eq!(
            plan_search(&capped, Sort::NEWEST, None, 0, 16).path,
            SearchPath::Walk
        );
        assert_eq!(
            plan_search(&capped, Sort::NEWEST, None, 300, 16).path,
            SearchPath::Collect
        );
    }

    #[test]
    fn a_relevance_cursor_keeps_the_order_its_walk_began_in() {
        let few = found(None, 0.0, 100_000.0);
        let by_rank = After {
            value: KeyValue::Rank(0.5),
            id: Uuid::nil(),
        };
        assert_eq!(
            plan_search(&few, Sort::RELEVANCE, Some(&by_rank), 0, 16).sort,
            Sort::RELEVANCE
        );
        assert_eq!(
            plan_search(&few, Sort::RELEVANCE, Some(&after_time()), 0, 16).sort,
            Sort::NEWEST
        );
    }

    fn after_time() -> After {
        After {
            value: KeyValue::Time(Some(Utc::now())),
            id: Uuid::nil(),
        }
    }
}
