//! The one way a stored post is changed: lock it, check that the caller
//! may change it and that it is still the version they saw, apply the
//! change, check the lifecycle rules, write it, record what it leaves
//! behind (revision, old slug, new tags), commit. Update, replace and
//! revision restore all come through here.
//!
//! Rendering is never done in here: a change arrives with its body already
//! rendered ([`crate::render::Renderer`]), so the row stays locked for a
//! few statements, not for a render.

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;

use super::preconditions::IfMatch;
use crate::auth::Caller;
use crate::db::posts::{self, Post, PostKey};
use crate::error::AppError;
use crate::state::AppState;

/// Applies `change` to the post `key` names, as `caller`, and returns the
/// post as written with its author's name.
pub async fn change_post<F>(
    state: &AppState,
    caller: &Caller,
    key: &PostKey,
    if_match: &IfMatch,
    change: F,
) -> Result<(Post, String), AppError>
where
    F: FnOnce(&mut Post, DateTime<Utc>) -> Result<(), AppError> + Send,
{
    let keep = state.config.revisions_keep;
    let mut conn = state.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let mut post = posts::find_for_update(conn, key)
            .await?
            .ok_or(AppError::NotFound("post"))?;
        super::check_may_manage(caller, &post)?;
        if_match.check(&post)?;
        let before = post.clone();
        let now = Utc::now();
        change(&mut post, now)?;
        super::lifecycle::check_change(caller, &before, &post, now)?;
        let post = posts::update(conn, &post)
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::Conflict(_) => AppError::Conflict("the slug is taken".into()),
                other => other,
            })?;
        super::history::record(conn, caller.id, Some(&before), &post, keep).await?;
        let author = posts::author_name(conn, post.author_id).await?;
        Ok((post, author))
    })
    .await
}

/// Deletes the post `key` names, as `caller`, under the same checks.
pub async fn delete_post(
    state: &AppState,
    caller: &Caller,
    key: &PostKey,
    if_match: &IfMatch,
) -> Result<(), AppError> {
    let mut conn = state.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let post = posts::find_for_update(conn, key)
            .await?
            .ok_or(AppError::NotFound("post"))?;
        super::check_may_manage(caller, &post)?;
        if_match.check(&post)?;
        posts::delete(conn, post.id).await?;
        Ok(())
    })
    .await
}
