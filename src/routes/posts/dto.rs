//! What the posts API sends back. Kept apart from the database rows so the
//! wire format changes only on purpose.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::posts::{Post, PostSummary};
use crate::domain::post::seo::SeoFields;
use crate::domain::{PostStatus, Slug, Title};
use crate::error::AppError;
use crate::render::TocEntry;
use crate::render::media::PostMedia;

/// The public face of a post's author.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorRef {
    pub id: Uuid,
    pub name: String,
}

/// A whole post, with its Markdown source and rendered HTML.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostResponse {
    pub id: Uuid,
    pub slug: Slug,
    pub title: Title,
    /// `published` once a scheduled post's time has come, whether or not
    /// the scheduler has flipped it yet.
    pub status: PostStatus,
    /// When the post was (or will be shown as) published; null for drafts that never were.
    pub published_at: Option<DateTime<Utc>>,
    /// The author's excerpt, or one derived from the body.
    pub excerpt: String,
    /// Tags in the author's order; the first is the primary tag.
    pub tags: Vec<String>,
    /// Every other front-matter field.
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    pub author: AuthorRef,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub seo: SeoFields,
    /// The Markdown body as sent (front matter split off).
    pub markdown: String,
    /// The rendered, sanitised HTML fragment.
    pub html: String,
    /// Words in the text (code blocks excluded).
    #[schema(example = 1200)]
    pub word_count: i32,
    /// Minutes to read it at 230 words a minute, rounded up.
    #[schema(example = 6)]
    pub reading_time: i32,
    /// The headings, in order: only with `formats=toc`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toc: Option<Vec<TocEntry>>,
    /// The text without markup: only with `formats=plaintext`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plain_text: Option<String>,
    /// The media library images the body and feature image use (at most
    /// 200, by SHA-256), with their sizes, planned variants and
    /// placeholder, for frontends that build their own `<picture>`; as
    /// they were when the post was last written or re-rendered.
    pub media: Vec<PostMedia>,
    /// The feature image's media item, when `feature_image` names one.
    pub feature_image_media: Option<PostMedia>,
}

/// A post in a list: everything but the bodies. Every field is optional
/// in the schema because `fields=` may leave any of them out; without it,
/// all are present.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostSummaryResponse {
    #[schema(required = false)]
    pub id: Uuid,
    #[schema(required = false)]
    pub slug: Slug,
    #[schema(required = false)]
    pub title: Title,
    /// `published` once a scheduled post's time has come.
    #[schema(required = false)]
    pub status: PostStatus,
    #[schema(required = false)]
    pub published_at: Option<DateTime<Utc>>,
    #[schema(required = false)]
    pub excerpt: String,
    #[schema(required = false)]
    pub tags: Vec<String>,
    #[schema(value_type = Object)]
    #[schema(required = false)]
    pub metadata: serde_json::Value,
    #[schema(required = false)]
    pub author: AuthorRef,
    #[schema(required = false)]
    pub created_at: DateTime<Utc>,
    #[schema(required = false)]
    pub updated_at: DateTime<Utc>,
    /// Words in the text (code blocks excluded).
    #[schema(required = false)]
    pub word_count: i32,
    /// Minutes to read it, rounded up.
    #[schema(required = false)]
    pub reading_time: i32,
    #[serde(flatten)]
    #[schema(required = false)]
    pub seo: SeoFields,
}

/// Where this page sits. Offset pages (`page`) have `page`, `pages`,
/// `total` and `prev`; cursor pages (`cursor`) have them null, since
/// counting would defeat the point of a keyset walk.
#[derive(Debug, Serialize, ToSchema)]
pub struct Pagination {
    /// This page, from 1.
    pub page: Option<u32>,
    /// Items per page.
    pub limit: u32,
    /// How many pages there are.
    pub pages: Option<u64>,
    /// How many items there are in all; for a search, at most 1,000 (see
    /// `total_exact`).
    pub total: Option<u64>,
    /// False when `total` is a lower bound: a search counts at most 1,000
    /// matches, and page numbers then end there (a cursor walks on). Null
    /// with `total`.
    pub total_exact: Option<bool>,
    /// The absolute URL of the next page; null on the last one.
    pub next: Option<String>,
    /// The absolute URL of the previous page; null on the first (and in cursor mode).
    pub prev: Option<String>,
    /// Pass as `cursor` (with the same `sort`) for the next page; null on the last one.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListMeta {
    pub pagination: Pagination,
}

/// A post in a list: no bodies unless `formats` asks; search hits also
/// carry `snippet` and `rank`. `fields` may leave any of these out.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostListItem {
    #[serde(flatten)]
    pub post: PostSummaryResponse,
    /// With `formats=markdown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub markdown: Option<String>,
    /// With `formats=html`: the sanitised HTML fragment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// With `formats=plaintext`: the text without markup.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<String>,
    /// With `q`: HTML-escaped text around the matches, each in `<mark>…</mark>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// With `q`: the relevance score (higher is better).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<f32>,
}

/// One page of posts.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostList {
    pub data: Vec<PostListItem>,
    pub meta: ListMeta,
}

/// `value` as JSON, written straight into a buffer of about `size_hint`
/// bytes: serialising into an empty buffer (as `HttpResponseBuilder::json`
/// does) regrows and copies it a dozen times for a post.
pub fn to_json<T: Serialize>(value: &T, size_hint: usize) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::with_capacity(size_hint);
    serde_json::to_writer(&mut out, value).map_err(|e| AppError::Internal(e.into()))?;
    Ok(out)
}

impl PostResponse {
    /// About how long this post's JSON is (escaping lengthens the HTML).
    pub fn json_size_hint(&self) -> usize {
        let bodies = self.markdown.len()
            + self.html.len()
            + self.excerpt.len()
            + self.plain_text.as_ref().map_or(0, String::len);
        bodies + bodies / 8 + 1024
    }

    pub fn new(post: Post, author_name: String) -> Self {
        let media = post.media_items();
        let feature_image_media = post.feature_image_media(&media);
        Self {
            media,
            feature_image_media,
            id: post.id,
            status: post.status.as_seen_at(post.published_at, Utc::now()),
            slug: post.slug,
            title: post.title,
            published_at: post.published_at,
            excerpt: post.excerpt,
            tags: post.tags,
            metadata: post.metadata,
            author: AuthorRef {
                id: post.author_id,
                name: author_name,
            },
            created_at: post.created_at,
            updated_at: post.updated_at,
            seo: post.seo.into(),
            markdown: post.markdown,
            html: post.html,
            word_count: post.word_count,
            reading_time: post.reading_time,
            toc: None,
            plain_text: None,
        }
    }

    /// Adds the optional formats the caller asked for.
    pub fn with_formats(post: Post, author_name: String, formats: Formats) -> Self {
        let toc = formats.toc.then(|| post.toc_entries());
        let plain_text = formats.plain_text.then(|| post.plain_text.clone());
        Self {
            toc,
            plain_text,
            ..Self::new(post, author_name)
        }
    }
}

/// Optional parts of a post a client can ask for with `formats=`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Formats {
    pub toc: bool,
    pub plain_text: bool,
}

impl Formats {
    /// A comma-separated list: `toc`, `plaintext` (`html` and `markdown`
    /// are accepted and always included).
    /// What `formats` may name.
    pub const NAMES: [&'static str; 4] = ["toc", "plaintext", "html", "markdown"];

    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut formats = Self::default();
        let names: Vec<&str> = raw.split(',').map(str::trim).collect();
        if names.iter().any(|n| n.is_empty()) {
            return Err("names an empty format: list toc, plaintext, html or markdown".into());
        }
        if names.len() > Self::NAMES.len() {
            return Err(format!("lists at most the {} formats", Self::NAMES.len()));
        }
        for name in names {
            match name {
                "toc" => formats.toc = true,
                "plaintext" => formats.plain_text = true,
                "html" | "markdown" => {}
                other => {
                    return Err(format!(
                        "unknown format `{other}`: expected toc, plaintext, html or markdown"
                    ));
                }
            }
        }
        Ok(formats)
    }
}

impl PostSummaryResponse {
    pub fn new(post: PostSummary, author_name: String) -> Self {
        Self {
            id: post.id,
            status: post.status.as_seen_at(post.published_at, Utc::now()),
            slug: post.slug,
            title: post.title,
            published_at: post.published_at,
            excerpt: post.excerpt,
            tags: post.tags,
            metadata: post.metadata,
            author: AuthorRef {
                id: post.author_id,
                name: author_name,
            },
            created_at: post.created_at,
            updated_at: post.updated_at,
            word_count: post.word_count,
            reading_time: post.reading_time,
            seo: post.seo.into(),
        }
    }
}
