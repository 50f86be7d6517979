//! The post model: everything that decides what a valid post is and how it
//! may change, apart from HTTP (`routes::posts`) and SQL (`db::posts`).
//!
//! - [`input`]: a new post from a JSON request; [`file`]: from a Markdown
//!   file with front matter, and back to one.
//! - [`patch`]: a partial update; [`seo`]: the SEO and presentation fields.
//! - [`lifecycle`]: which status changes a role may make; [`policy`]: who
//!   may see or change a post.
//! - [`rendered`]: what rendering a body sets on a post; [`media`]: the
//!   media library items it uses.
//! - [`history`]: what every write leaves behind (revisions, old slugs).
//! - [`write`]: the one way a post is created, changed or deleted.
//! - [`bulk`]: many posts in one request, idempotent by slug.

pub mod bulk;
pub mod file;
pub mod history;
pub mod input;
pub mod lifecycle;
pub mod media;
pub mod patch;
pub mod policy;
pub mod rendered;
pub mod seo;
pub mod write;

pub use input::{CreatePostRequest, PostInput};
pub use patch::UpdatePostRequest;

/// A stored post for the model's unit tests: a draft by `author`.
#[cfg(test)]
pub(crate) fn sample_post(author: uuid::Uuid) -> crate::db::posts::Post {
    let input = PostInput::from_request(
        serde_json::from_value(serde_json::json!({
            "title": "Sample", "markdown": "# Sample\n\nBody text.", "tags": ["a"],
            "excerpt": "Mine"
        }))
        .expect("a request"),
    )
    .expect("a valid input");
    let rendered = crate::render::render(input.markdown(), &Default::default()).expect("renders");
    input.into_post(
        crate::domain::Slug::parse("sample").expect("a slug"),
        author,
        chrono::Utc::now(),
        rendered,
    )
}
