//! `/api/v1/tags`: the tags posts carry, as resources.
//!
//! Posts name their tags freely (`"Rust"`, `"web dev"`); each name belongs
//! to the tag whose slug it derives to, and a name no tag has yet creates
//! one when a post is written with it. Callers see the tags of the posts
//! they may see; editors and admins write them (the permission table).

pub mod read;
pub mod write;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::tags::TagRow;

/// A tag.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagResponse {
    #[schema(example = "web-dev")]
    pub slug: String,
    #[schema(example = "Web dev")]
    pub name: String,
    pub description: Option<String>,
    /// How many published posts carry it.
    pub post_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TagRow> for TagResponse {
    fn from(t: TagRow) -> Self {
        Self {
            slug: t.slug,
            name: t.name,
            description: t.description,
            post_count: t.posts,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// Every tag, by slug.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagList {
    pub data: Vec<TagResponse>,
}
