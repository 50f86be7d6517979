//! The Media JSON every media operation answers with (and posts reuse).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::media::{MediaWithVariants, Variant};
use crate::media::{original_path, variant_path};

/// Where the subject of an image is, as fractions of its width and height
/// (0 is the left or top edge, 1 the right or bottom): crops keep it in
/// frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize, ToSchema)]
pub struct FocalPoint {
    #[schema(minimum = 0.0, maximum = 1.0, example = 0.5)]
    pub x: f32,
    #[schema(minimum = 0.0, maximum = 1.0, example = 0.3)]
    pub y: f32,
}

/// A responsive variant of an image. Variants are planned when the image
/// is uploaded and made shortly after; until `ready`, its URL redirects
/// (307) to the original, so it can be used in `srcset` at once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VariantResponse {
    #[schema(example = 640)]
    pub width: i32,
    #[schema(example = 427)]
    pub height: i32,
    /// `webp`, or the fallback: `jpeg` for opaque images, `png` for
    /// images with transparency.
    #[schema(example = "webp")]
    pub format: String,
    /// Absolute URL of the variant.
    pub url: String,
    pub ready: bool,
}

/// An uploaded image.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MediaResponse {
    pub id: Uuid,
    /// Lowercase hex SHA-256 of the stored bytes (its metadata stripped):
    /// the file's name and its ETag.
    #[schema(example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    pub sha256: String,
    /// Absolute URL of the original.
    pub url: String,
    #[schema(example = "image/png")]
    pub content_type: String,
    pub bytes: i64,
    pub width: i32,
    pub height: i32,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub focal_point: Option<FocalPoint>,
    /// A ThumbHash of the image, base64: decode it to show a blurred
    /// preview while the image loads.
    pub placeholder: Option<String>,
    /// Smallest first, the modern format before the fallback at each width.
    pub variants: Vec<VariantResponse>,
    /// Null once the uploader's account is deleted.
    pub uploaded_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl MediaResponse {
    /// `base` is the public URL the paths are joined to (no trailing
    /// slash), e.g. `https://example.com`.
    pub fn new(item: MediaWithVariants, base: &str) -> Self {
        let MediaWithVariants { media: m, variants } = item;
        let variants = variants
            .iter()
            .map(|v: &Variant| VariantResponse {
                width: v.width,
                height: v.height,
                format: v.format.clone(),
                url: format!("{base}{}", variant_path(&m.sha256, v.width, &v.format)),
                ready: v.is_ready(),
            })
            .collect();
        Self {
            id: m.id,
            url: format!("{base}{}", original_path(&m.sha256, &m.ext)),
            sha256: m.sha256,
            content_type: m.content_type,
            bytes: m.bytes,
            width: m.width,
            height: m.height,
            alt: m.alt,
            caption: m.caption,
            focal_point: m.focal_x.zip(m.focal_y).map(|(x, y)| FocalPoint { x, y }),
            placeholder: m.placeholder,
            variants,
            uploaded_by: m.uploaded_by,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}
