//! Rendering a post body with the media library items it refers to.

use crate::domain::post::media;
use crate::error::AppError;
use crate::render::media::scan_refs;
use crate::render::{MediaIndex, Rendered};
use crate::state::AppState;

/// Looks up the media items `markdown` and `feature_image` refer to (no
/// query when they name none), then renders `markdown` with them off the
/// async workers. The result's `media` is what the post will record.
pub async fn render_post(
    state: &AppState,
    markdown: String,
    feature_image: Option<&str>,
) -> Result<Rendered, AppError> {
    let shas = scan_refs([markdown.as_str()].into_iter().chain(feature_image));
    let index = if shas.is_empty() {
        MediaIndex::default()
    } else {
        let mut conn = state.conn().await?;
        media::lookup_shas(&mut conn, &shas).await?
    };
    state
        .renderer
        .render_with_media(markdown, "markdown", index)
        .await
}
