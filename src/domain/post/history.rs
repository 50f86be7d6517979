//! What every write leaves behind: a revision when the content changed,
//! the old slug as an alias when the slug changed, and a tag resource for
//! every tag name not seen before.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::patch::UpdatePostRequest;
use super::seo::SeoFields;
use crate::db::posts::Post;
use crate::db::{revisions, slug_aliases};
use crate::domain::PostStatus;
use crate::error::AppError;

/// A post's author-controlled fields at one moment, as a revision keeps them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PostSnapshot {
    pub title: String,
    pub slug: String,
    pub markdown: String,
    /// The author's excerpt; null when it was derived from the body.
    pub excerpt: Option<String>,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
    #[schema(value_type = Object)]
    pub metadata: Value,
    /// Absent from revisions stored before these fields existed.
    #[serde(default)]
    pub seo: SeoFields,
}

impl PostSnapshot {
    pub fn of(post: &Post) -> Self {
        Self {
            title: post.title.as_str().to_owned(),
            slug: post.slug.as_str().to_owned(),
            markdown: post.markdown.clone(),
            excerpt: post.custom_excerpt.then(|| post.excerpt.clone()),
            status: post.status,
            published_at: post.published_at,
            tags: post.tags.clone(),
            metadata: post.metadata.clone(),
            seo: post.seo.clone().into(),
        }
    }

    /// The update that brings a post's content back to this snapshot. The
    /// slug, status and date stay as they are now: a restore changes what
    /// the post says, not where it lives or whether it is public.
    pub fn restore_request(self) -> UpdatePostRequest {
        UpdatePostRequest {
            title: Some(Some(self.title)),
            markdown: Some(Some(self.markdown)),
            excerpt: Some(self.excerpt),
            tags: Some(Some(self.tags)),
            metadata: Some(Some(self.metadata)),
            feature_image: Some(self.seo.feature_image),
            feature_image_alt: Some(self.seo.feature_image_alt),
            feature_image_caption: Some(self.seo.feature_image_caption),
            featured: Some(Some(self.seo.featured)),
            meta_title: Some(self.seo.meta_title),
            meta_description: Some(self.seo.meta_description),
            canonical_url: Some(self.seo.canonical_url),
            og_image: Some(self.seo.og_image),
            ..UpdatePostRequest::default()
        }
    }
}

/// Records the first revision of each of these new posts by `user`, in
/// one statement (a bulk import's batch). Their tags must exist already
/// ([`crate::db::tags::ensure`]).
pub async fn record_new(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    created: &[Post],
    keep: u32,
) -> Result<(), AppError> {
    if keep == 0 || created.is_empty() {
        return Ok(());
    }
    let at = chrono::Utc::now();
    let revisions = created
        .iter()
        .map(|post| {
            Ok(revisions::Revision {
                post_id: post.id,
                number: 1,
                user_id: Some(user),
                created_at: at,
                snapshot: serde_json::to_value(PostSnapshot::of(post))
                    .map_err(|e| AppError::Internal(e.into()))?,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    revisions::insert_many(conn, &revisions).await?;
    Ok(())
}

/// Records a write by `user`: `before` is None for a new post. Runs inside
/// the write's transaction, with the post's row locked.
pub async fn record(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    before: Option<&Post>,
    after: &Post,
    keep: u32,
) -> Result<(), AppError> {
    if let Some(before) = before
        && before.slug != after.slug
    {
        slug_aliases::remember(conn, before.slug.as_str(), after.id).await?;
    }
    let snapshot = PostSnapshot::of(after);
    // The tags are part of the snapshot: a write that records no revision
    // named no new tag either.
    if before.is_some_and(|b| PostSnapshot::of(b) == snapshot) {
        return Ok(());
    }
    let new_tags: &[String] = if before.is_none_or(|b| b.tags != after.tags) {
        &after.tags
    } else {
        &[]
    };
    let value = serde_json::to_value(&snapshot).map_err(|e| AppError::Internal(e.into()))?;
    revisions::record(conn, after.id, user, value, keep, new_tags).await?;
    Ok(())
}
