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

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::auth::{Credential, Scope};
    use crate::domain::post::sample_post;

    fn user(role: Role, id: Uuid) -> Caller {
        Caller {
            id,
            name: "Ada".into(),
            role,
            credential: Credential::AccessToken,
        }
    }

    fn key(scopes: &[Scope]) -> Caller {
        Caller {
            id: Uuid::now_v7(),
            name: "Ada".into(),
            role: Role::Admin,
            credential: Credential::ApiKey {
                id: Uuid::nil(),
                scopes: scopes.to_vec(),
            },
        }
    }

    #[test]
    fn another_authors_draft_does_not_exist_for_an_author() {
        let draft = sample_post(Uuid::now_v7());
        let author = user(Role::Author, Uuid::now_v7());
        assert!(matches!(
            check_may_manage(&author, &draft),
            Err(AppError::NotFound(_))
        ));
        assert!(check_may_manage(&user(Role::Editor, Uuid::now_v7()), &draft).is_ok());
    }

    #[test]
    fn another_authors_published_post_is_forbidden() {
        let mut post = sample_post(Uuid::now_v7());
        post.status = PostStatus::Published;
        let author = user(Role::Author, Uuid::now_v7());
        assert!(matches!(
            check_may_manage(&author, &post),
            Err(AppError::Forbidden(_))
        ));
    }

    #[test]
    fn a_contributor_keeps_their_post_only_while_it_is_a_draft() {
        let me = Uuid::now_v7();
        let mut post = sample_post(me);
        let contributor = user(Role::Contributor, me);
        assert!(check_may_manage(&contributor, &post).is_ok());
        for status in [PostStatus::Published, PostStatus::Archived] {
            post.status = status;
            assert!(matches!(
                check_may_manage(&contributor, &post),
                Err(AppError::Forbidden(_))
            ));
            assert!(check_may_read_history(&contributor, &post).is_ok());
        }
    }

    #[test]
    fn a_key_without_preview_read_sees_no_draft_even_to_change_it() {
        let draft = sample_post(Uuid::now_v7());
        let write_only = key(&[Scope::PostsWrite]);
        assert!(matches!(
            check_may_manage(&write_only, &draft),
            Err(AppError::NotFound(_))
        ));
        let both = key(&[Scope::PostsWrite, Scope::PreviewRead]);
        assert!(check_may_manage(&both, &draft).is_ok());
    }
}
