//! The media library items a post uses: looked up before its body is
//! rendered, recorded in `post_media` with every write.
//!
//! The lookup is one query for the media rows and one for their variants,
//! whatever the number of references (at most
//! [`MAX_REFS_PER_POST`](crate::render::media::MAX_REFS_PER_POST)), and none
//! at all for a post that names no `/media/` URL.

use diesel::result::{DatabaseErrorKind, Error as DbError};
use diesel::{ExpressionMethods, QueryDsl};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::media::{self, MediaWithVariants};
use crate::db::posts::Post;
use crate::db::schema::post_media;
use crate::error::AppError;
use crate::render::MediaIndex;
use crate::render::media::{MediaImage, MediaVariant, scan_refs};

/// The media items `markdown` and `feature_image` refer to.
pub async fn lookup(
    conn: &mut AsyncPgConnection,
    markdown: &str,
    feature_image: Option<&str>,
) -> diesel::QueryResult<MediaIndex> {
    let shas = scan_refs(std::iter::once(markdown).chain(feature_image));
    lookup_shas(conn, &shas).await
}

/// The media items stored under these hashes.
pub async fn lookup_shas(
    conn: &mut AsyncPgConnection,
    shas: &[String],
) -> diesel::QueryResult<MediaIndex> {
    if shas.is_empty() {
        return Ok(MediaIndex::default());
    }
    let found = media::find_by_sha256s(conn, shas).await?;
    Ok(MediaIndex::new(found.into_iter().map(image)))
}

/// What rendering needs of a media row.
pub fn image(item: MediaWithVariants) -> MediaImage {
    let MediaWithVariants { media, variants } = item;
    MediaImage {
        id: media.id,
        sha256: media.sha256,
        ext: media.ext,
        width: media.width,
        height: media.height,
        alt: media.alt,
        placeholder: media.placeholder,
        filename: media.original_filename,
        variants: variants
            .into_iter()
            .map(|v| MediaVariant {
                width: v.width,
                height: v.height,
                format: v.format,
            })
            .collect(),
    }
}

/// Makes `post_media` say which items `post` uses (its `media`), inside
/// the caller's transaction. `before` is the post as it was (none for a
/// new one): a write that leaves a post without media, as most are, costs
/// no statement.
pub async fn record_usage(
    conn: &mut AsyncPgConnection,
    post: &Post,
    before: Option<&Post>,
) -> Result<(), AppError> {
    let ids: Vec<Uuid> = post.media_items().iter().map(|m| m.id).collect();
    let had_none = before.is_none_or(|b| b.media.as_array().is_none_or(Vec::is_empty));
    if ids.is_empty() && had_none {
        return Ok(());
    }
    if before.is_some() {
        diesel::delete(
            post_media::table
                .filter(post_media::post_id.eq(post.id))
                .filter(post_media::media_id.ne_all(&ids)),
        )
        .execute(conn)
        .await?;
    }
    if ids.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = ids
        .iter()
        .map(|id| {
            (
                post_media::post_id.eq(post.id),
                post_media::media_id.eq(*id),
            )
        })
        .collect();
    diesel::insert_into(post_media::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map_err(|e| match e {
            // The item was deleted between the look-up and this write.
            DbError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                AppError::Conflict(
                    "an image this post uses was deleted meanwhile; send the post again".into(),
                )
            }
            e => e.into(),
        })?;
    Ok(())
}
