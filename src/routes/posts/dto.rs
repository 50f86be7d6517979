//! What the posts API sends back. Kept apart from the database rows so the
//! wire format changes only on purpose.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::seo::SeoFields;
use crate::db::posts::{Post, PostSummary};
use crate::domain::PostStatus;

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
    #[schema(example = "hello-world")]
    pub slug: String,
    #[schema(example = "Hello, world")]
    pub title: String,
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
}

/// A post in a list: everything but the bodies.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostSummaryResponse {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub excerpt: String,
    pub tags: Vec<String>,
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    pub author: AuthorRef,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub seo: SeoFields,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Pagination {
    /// This page, from 1.
    pub page: u32,
    /// Items per page.
    pub limit: u32,
    /// How many pages there are.
    pub pages: u64,
    /// How many items there are in all.
    pub total: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListMeta {
    pub pagination: Pagination,
}

/// One page of posts.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostList {
    pub data: Vec<PostSummaryResponse>,
    pub meta: ListMeta,
}

fn status(raw: &str) -> PostStatus {
    // The database CHECK constraint admits only these two values.
    PostStatus::parse(raw).unwrap_or(PostStatus::Draft)
}

impl PostResponse {
    pub fn new(post: Post, author_name: String) -> Self {
        Self {
            id: post.id,
            slug: post.slug,
            title: post.title,
            status: status(&post.status),
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
        }
    }
}

impl PostSummaryResponse {
    pub fn new(post: PostSummary, author_name: String) -> Self {
        Self {
            id: post.id,
            slug: post.slug,
            title: post.title,
            status: status(&post.status),
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
        }
    }
}
