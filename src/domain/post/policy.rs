//! Who may see or change one post. The permission table
//! (`auth::permissions`) has already decided who may call the operation at
//! all; these rules decide for this post.

use chrono::Utc;

use crate::auth::{Caller, Role};
use crate::db::posts::Post;
use crate::domain::PostStatus;
use crate::error::AppError;

/// Whether the caller may read this post's history: 404 when they may not
/// even see the post (another author's draft, or any draft for an API key
/// without `preview:read`), 403 when they see it but it is not theirs.
pub fn check_may_read_history(caller: &Caller, post: &Post) -> Result<(), AppError> {
    let public = post.is_public_at(Utc::now());
    if !caller.visibility().allows(post.author_id, public) {
        return Err(AppError::NotFound("post"));
    }
    if !caller.can_manage(post.author_id) {
        return Err(AppError::Forbidden("change another author's post".into()));
    }
    Ok(())
}

/// Whether the caller may change this post: as for its history, and a
/// contributor may not once the post has left draft (an editor published,
/// scheduled or archived it: it is theirs to change now).
pub fn check_may_manage(caller: &Caller, post: &Post) -> Result<(), AppError> {
    check_may_read_history(caller, post)?;
    if caller.role == Role::Contributor && post.status != PostStatus::Draft {
        return Err(AppError::Forbidden(
            "change a post once it has left draft; ask an editor".into(),
        ));
    }
    Ok(())
}
