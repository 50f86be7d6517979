use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a post is in its life: drafts are visible only to signed-in users
/// allowed to see them; published posts are public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PostStatus {
    Draft,
    Published,
}

impl PostStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match raw {
            "draft" => Ok(Self::Draft),
            "published" => Ok(Self::Published),
            _ => Err("must be `draft` or `published`"),
        }
    }
}
