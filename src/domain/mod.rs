//! Domain types: each `parse` turns raw input into a value that is valid by
//! construction, so nothing past the handler re-checks it.

pub mod markdown;
pub mod metadata;
pub mod post;
pub mod post_status;
pub mod problems;
pub mod published_at;
pub mod slug;
mod sql;
pub mod tags;
pub mod title;
pub mod user;
pub mod visibility;
pub mod webhook;

pub use markdown::Markdown;
pub use metadata::Metadata;
pub use post_status::PostStatus;
pub use slug::Slug;
pub use tags::Tags;
pub use title::Title;
pub use user::{Email, PersonName};
pub use visibility::Visibility;
