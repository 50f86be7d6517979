//! What rendering a body sets on a post.

use crate::db::posts::Post;
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
        self.renderer_version = RENDERER_VERSION;
    }

    /// The stored table of contents.
    pub fn toc_entries(&self) -> Vec<TocEntry> {
        serde_json::from_value(self.toc.clone()).unwrap_or_default()
    }
}
