//! Queries on `media`, `media_variants` and `post_media`.
//!
//! A media row is the metadata of one stored original (content-addressed
//! by `sha256`); its variants are planned in the same transaction that
//! inserts it, so a reader always finds the full set (`pending` until the
//! variant queue makes them).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, SelectableHelper};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{media, media_jobs, media_variants};

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

/// Stores a new item with its planned variants and, when there are any,
/// the job that makes them; all or nothing. `None` when an item with the
/// same bytes (hash) exists already: the caller answers with that one.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    item: &Media,
    variants: &[Variant],
) -> diesel::QueryResult<Option<Media>> {
    use diesel_async::AsyncConnection;
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        let inserted: Option<Media> = diesel::insert_into(media::table)
            .values(item)
            .on_conflict(media::sha256)
            .do_nothing()
            .returning(Media::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        let Some(inserted) = inserted else {
            return Ok(None);
        };
        if !variants.is_empty() {
            diesel::insert_into(media_variants::table)
                .values(variants)
                .execute(conn)
                .await?;
            diesel::insert_into(media_jobs::table)
                .values(media_jobs::media_id.eq(inserted.id))
                .execute(conn)
                .await?;
        }
        Ok(Some(inserted))
    })
    .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> diesel::QueryResult<Option<Media>> {
    media::table
        .find(id)
        .select(Media::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_by_sha256(
    conn: &mut AsyncPgConnection,
    sha256: &str,
) -> diesel::QueryResult<Option<Media>> {
    media::table
        .filter(media::sha256.eq(sha256))
        .select(Media::as_select())
        .first(conn)
        .await
        .optional()
}

/// One variant of the item stored under `sha256`, with the item.
pub async fn find_variant(
    conn: &mut AsyncPgConnection,
    sha256: &str,
    width: i32,
    format: &str,
) -> diesel::QueryResult<Option<(Media, Variant)>> {
    media::table
        .inner_join(media_variants::table)
        .filter(media::sha256.eq(sha256))
        .filter(media_variants::width.eq(width))
        .filter(media_variants::format.eq(format))
        .select((Media::as_select(), Variant::as_select()))
        .first(conn)
        .await
        .optional()
}

/// Which items a library page shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListFilter {
    /// Only items without alt text.
    pub missing_alt: bool,
    /// Only items no post uses.
    pub unused: bool,
}

fn filtered(filter: ListFilter) -> media::BoxedQuery<'static, diesel::pg::Pg> {
    use super::schema::post_media;
    let mut q = media::table.into_boxed();
    if filter.missing_alt {
        q = q.filter(media::alt.is_null());
    }
    if filter.unused {
        q = q.filter(diesel::dsl::not(diesel::dsl::exists(
            post_media::table.filter(post_media::media_id.eq(media::id)),
        )));
    }
    q
}

/// One page of the library, newest first, and how many items match.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: ListFilter,
    limit: i64,
    offset: i64,
) -> diesel::QueryResult<(Vec<MediaWithVariants>, i64)> {
    let total: i64 = filtered(filter).count().get_result(conn).await?;
    let items: Vec<Media> = filtered(filter)
        .order((media::created_at.desc(), media::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(Media::as_select())
        .load(conn)
        .await?;
    Ok((with_variants(conn, items).await?, total))
}

/// What may change about an item; `None` leaves a field alone.
#[derive(Debug, Default, diesel::AsChangeset)]
#[diesel(table_name = media)]
pub struct MediaChanges {
    pub alt: Option<Option<String>>,
    pub caption: Option<Option<String>>,
    pub focal_x: Option<Option<f32>>,
    pub focal_y: Option<Option<f32>>,
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: MediaChanges,
) -> diesel::QueryResult<Option<Media>> {
    diesel::update(media::table.find(id))
        .set((&changes, media::updated_at.eq(diesel::dsl::now)))
        .returning(Media::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// A post that uses an item.
#[derive(Debug, Clone, diesel::Queryable)]
pub struct PostUsing {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
}

/// The posts that use an item, by slug.
pub async fn used_by(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> diesel::QueryResult<Vec<PostUsing>> {
    use super::schema::{post_media, posts};
    post_media::table
        .inner_join(posts::table)
        .filter(post_media::media_id.eq(id))
        .order(posts::slug)
        .select((posts::id, posts::slug, posts::title))
        .load(conn)
        .await
}

/// Why an item was not deleted.
#[derive(Debug)]
pub enum NotDeleted {
    Missing,
    /// These posts use it.
    InUse(Vec<PostUsing>),
}

/// Deletes an item no post uses (its variants and job go with it); the
/// caller then removes its files. A post that starts using it at the same
/// moment makes the delete fail on `post_media`'s foreign key instead.
pub async fn delete(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> diesel::QueryResult<Result<(Media, Vec<Variant>), NotDeleted>> {
    use diesel_async::AsyncConnection;
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        let users = used_by(conn, id).await?;
        if !users.is_empty() {
            return Ok(Err(NotDeleted::InUse(users)));
        }
        let variants: Vec<Variant> = media_variants::table
            .filter(media_variants::media_id.eq(id))
            .select(Variant::as_select())
            .load(conn)
            .await?;
        let deleted: Option<Media> = diesel::delete(media::table.find(id))
            .returning(Media::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        Ok(deleted.map(|m| (m, variants)).ok_or(NotDeleted::Missing))
    })
    .await
}
