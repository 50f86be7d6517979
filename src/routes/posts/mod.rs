//! `/api/v1/posts`: one file per operation, the shared shapes beside them.

pub mod aliases;
pub mod create;
pub mod cursor;
pub mod delete;
pub mod document;
pub mod dto;
pub mod get;
pub mod history;
pub mod html;
pub mod input;
pub mod lifecycle;
pub mod list;
pub mod list_params;
pub mod markdown_file;
pub mod preconditions;
pub mod replace;
pub mod revisions;
pub mod seo;
pub mod sync;
pub mod update;

use crate::auth::Caller;
use crate::db::posts::Post;
use crate::domain::PostStatus;
use crate::error::AppError;

/// Whether the caller may change this post: 404 when they may not even see
/// it (another author's draft), 403 when they see it but it is not theirs.
pub fn check_may_manage(caller: &Caller, post: &Post) -> Result<(), AppError> {
    if caller.can_manage(post.author_id) {
        Ok(())
    } else if post.status == PostStatus::Published.as_str() {
        Err(AppError::Forbidden("change another author's post".into()))
    } else {
        Err(AppError::NotFound("post"))
    }
}
