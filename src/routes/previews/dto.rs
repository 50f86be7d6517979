//! The bodies of the preview operations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::routes::posts::dto::PostResponse;

/// A new preview link.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePreviewRequest {
    /// Seconds until the link stops working: 60 up to
    /// `FOLIO_PREVIEW_MAX_TTL_SECS` (7 days unless configured). Defaults to
    /// one day, or the maximum when that is shorter.
    #[schema(minimum = 60, maximum = 31536000, example = 86400)]
    pub expires_in: Option<u32>,
    /// Pin the link to this revision: the reader sees the post as that
    /// revision had it, whatever is written after. Without it the link
    /// shows the post as it is at each read.
    #[schema(minimum = 1, maximum = 2147483647)]
    pub revision: Option<i32>,
}

/// Where a preview link leads. Each URL carries the token in its query
/// string, so a reviewer can open it as it is.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewUrls {
    /// The post as JSON.
    pub json: String,
    /// The rendered HTML fragment.
    pub html: String,
    /// A complete HTML page (marked `noindex`), for a reviewer's browser.
    pub document: String,
}

/// A preview link, as listed: never its token.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewSummary {
    pub id: Uuid,
    pub post_id: Uuid,
    /// The token's first characters, to tell links apart.
    #[schema(example = "folio_pv_AbC12x")]
    pub prefix: String,
    /// The pinned revision; null when the link follows the post.
    pub revision: Option<i32>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub created_by: Uuid,
    /// When it was last used (to the minute); null when never.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A post's preview links that still work, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewList {
    pub data: Vec<PreviewSummary>,
}

/// A new preview link: its token is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedPreview {
    #[serde(flatten)]
    pub preview: PreviewSummary,
    /// The token (`folio_pv_…`, 256 random bits). Folio keeps only its
    /// hash: it cannot be shown again.
    pub token: String,
    pub urls: PreviewUrls,
}

/// What a preview link shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewResponse {
    /// The post, in the same shape as `GET /api/v1/posts/{id_or_slug}`;
    /// for a pinned link, with the pinned revision's content.
    pub post: PostResponse,
    pub preview: PreviewInfo,
}

/// The link that was followed.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewInfo {
    pub id: Uuid,
    /// The pinned revision; null when the link follows the post.
    pub revision: Option<i32>,
    pub expires_at: DateTime<Utc>,
}
