//! What rendering a body sets on a post.

use crate::db::posts::Post;
use crate::render::media::PostMedia;
use crate::render::{RENDERER_VERSION, Rendered, TocEntry};

impl Post {
    /// Stores what the renderer made of the body: the HTML, the derived
    /// text and, unless the author wrote one, the excerpt.
    pub fn set_rendered(&mut self, rendered: Rendered) {
        if !self.custom_excerpt {
            self.excerpt = rendered.excerpt();
        }
        self.toc = serde_json::to_value(&rendered.toc).unwrap_or_else(|_| serde_json::json!([]));
        self.word_count = i32::try_from(rendered.word_count).unwrap_or(i32::MAX);
        self.reading_time = i32::try_from(rendered.reading_time).unwrap_or(i32::MAX);
        self.plain_text = rendered.plain_text;
        self.html = rendered.html.into_inner();
        self.media =
            serde_json::to_value(&rendered.media).unwrap_or_else(|_| serde_json::json!([]));
        self.renderer_version = RENDERER_VERSION;
    }

    /// The media items the post refers to, as rendered.
    pub fn media_items(&self) -> Vec<PostMedia> {
        serde_json::from_value(self.media.clone()).unwrap_or_default()
    }

    /// The media item the feature image names, if it is one the post uses.
    pub fn feature_image_media(&self, items: &[PostMedia]) -> Option<PostMedia> {
        let feature = self.seo.feature_image.as_deref()?;
        let sha = crate::render::media::scan_refs([feature])
            .into_iter()
            .next()?;
        items.iter().find(|m| m.sha256 == sha).cloned()
    }

    /// The stored table of contents.
    pub fn toc_entries(&self) -> Vec<TocEntry> {
        serde_json::from_value(self.toc.clone()).unwrap_or_default()
    }
}
