//! Queries on `media`, `media_variants` and `post_media`.
//!
//! A media row is the metadata of one stored original (content-addressed
//! by `sha256`); its variants are planned in the same transaction that
//! inserts it, so a reader always finds the full set (`pending` until the
//! variant queue makes them).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::{ExpressionMethods, QueryDsl, SelectableHelper};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{media, media_variants};

#[derive(Debug, Clone, PartialEq, diesel::Queryable, diesel::Selectable, diesel::Insertable)]
#[diesel(table_name = media, check_for_backend(diesel::pg::Pg))]
pub struct Media {
    pub id: Uuid,
    pub sha256: String,
    pub content_type: String,
    pub ext: String,
    pub bytes: i64,
    pub width: i32,
    pub height: i32,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub focal_x: Option<f32>,
    pub focal_y: Option<f32>,
    pub placeholder: Option<String>,
    pub original_filename: Option<String>,
    pub uploaded_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One planned size and format of an image.
#[derive(Debug, Clone, PartialEq, diesel::Queryable, diesel::Selectable, diesel::Insertable)]
#[diesel(table_name = media_variants, check_for_backend(diesel::pg::Pg))]
pub struct Variant {
    pub media_id: Uuid,
    pub width: i32,
    pub format: String,
    pub height: i32,
    pub bytes: Option<i64>,
    pub status: String,
}

impl Variant {
    pub fn is_ready(&self) -> bool {
        self.status == "ready"
    }
}

/// A media item with its planned variants, smallest first and the modern
/// format before the fallback at each width.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaWithVariants {
    pub media: Media,
    pub variants: Vec<Variant>,
}

/// The variants of the given items, grouped by item.
async fn variants_of(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> diesel::QueryResult<HashMap<Uuid, Vec<Variant>>> {
    let rows: Vec<Variant> = media_variants::table
        .filter(media_variants::media_id.eq_any(ids))
        .order((
            media_variants::media_id,
            media_variants::width,
            // 'webp' sorts after 'jpeg' and 'png': the modern format first.
            media_variants::format.desc(),
        ))
        .select(Variant::as_select())
        .load(conn)
        .await?;
    let mut grouped: HashMap<Uuid, Vec<Variant>> = HashMap::new();
    for v in rows {
        grouped.entry(v.media_id).or_default().push(v);
    }
    Ok(grouped)
}

/// Attaches each item's variants, keeping the items' order.
pub async fn with_variants(
    conn: &mut AsyncPgConnection,
    items: Vec<Media>,
) -> diesel::QueryResult<Vec<MediaWithVariants>> {
    let ids: Vec<Uuid> = items.iter().map(|m| m.id).collect();
    let mut variants = variants_of(conn, &ids).await?;
    Ok(items
        .into_iter()
        .map(|media| MediaWithVariants {
            variants: variants.remove(&media.id).unwrap_or_default(),
            media,
        })
        .collect())
}

/// The items stored under these hashes (lowercase hex), with their
/// planned variants; hashes nothing is stored under are left out. For
/// posts that refer to images by their `/media/{sha256}…` URLs.
pub async fn find_by_sha256s(
    conn: &mut AsyncPgConnection,
    sha256s: &[String],
) -> diesel::QueryResult<Vec<MediaWithVariants>> {
    if sha256s.is_empty() {
        return Ok(Vec::new());
    }
    let items: Vec<Media> = media::table
        .filter(media::sha256.eq_any(sha256s))
        .order(media::sha256)
        .select(Media::as_select())
        .load(conn)
        .await?;
    with_variants(conn, items).await
}
