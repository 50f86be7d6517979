//! The Markdown pipeline: front matter split → CommonMark (+ GitHub
//! extensions) → heading anchors → HTML → sanitiser → derived text.
//!
//! Everything here is a pure function, run once at write time; reads serve
//! the stored result and never render.

pub mod budget;
pub mod excerpt;
pub mod front_matter;
pub mod limits;
mod markdown;
pub mod media;
pub mod sanitize;

pub use budget::Renderer;
pub use limits::RenderError;
pub use markdown::{
    RENDERER_VERSION, RenderOptions, Rendered, TocEntry, WORDS_PER_MINUTE, render,
    render_with_media,
};
pub use media::{MediaImage, MediaIndex};
pub use sanitize::SafeHtml;
