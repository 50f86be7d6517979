//! The one way a stored post is created, changed or deleted.
//!
//! A change locks the post, checks that the caller may change it and that
//! it is still the version they saw, applies the change, checks the
//! lifecycle rules, writes it, records what it leaves behind (revision,
//! old slug, new tags) and commits. Update, replace and revision restore
//! all come through [`change_post`].
//!
//! Rendering is never done in here: a body arrives already rendered
//! ([`crate::render::Renderer`]), so a row stays locked for a few
//! statements, not for a render.

use chrono::{DateTime, Utc};
use diesel::result::{DatabaseErrorKind, Error as DbError};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use super::input::PostInput;
use super::{history, lifecycle, policy};
use crate::auth::Caller;
use crate::db::posts::{self, Post, PostKey};
use crate::domain::Slug;
use crate::error::AppError;
use crate::render::Rendered;

/// How many numbered variants of a derived slug to try before giving up.
const SLUG_ATTEMPTS: u32 = 20;

/// Writes a new post by `caller` from a valid input and its rendered body.
/// A slug the author chose that is taken is a 409; a derived one is
/// numbered (`-2`, `-3`…) until one is free.
pub async fn create_post(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    input: PostInput,
    rendered: Rendered,
    keep_revisions: u32,
) -> Result<(Post, String), AppError> {
    let now = Utc::now();
    lifecycle::check_new(caller, input.status, input.published_at, now)?;
    let (base, derived) = match &input.slug {
        Some(slug) => (slug.clone(), false),
        None => (
            Slug::from_title(input.title.as_str())
                .unwrap_or_else(|| Slug::parse("post").expect("a valid slug")),
            true,
        ),
    };
    let mut post = input.into_post(base.clone(), caller.id, now, rendered);
    let created = conn
        .transaction::<_, AppError, _>(async |conn| {
            let mut attempt = 1;
            let created = loop {
                // A savepoint per attempt, so a taken slug does not abort the
                // transaction.
                match conn
                    .transaction(async |c| posts::insert(c, &post).await)
                    .await
                {
                    Ok(created) => break created,
                    Err(DbError::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
                        if derived && attempt < SLUG_ATTEMPTS =>
                    {
                        attempt += 1;
                        post.slug = base.with_suffix(attempt);
                    }
                    Err(DbError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                        return Err(AppError::Conflict(format!(
                            "the slug `{}` is taken",
                            post.slug
                        )));
                    }
                    Err(e) => return Err(e.into()),
                }
            };
            history::record(conn, caller.id, None, &created, keep_revisions).await?;
            Ok(created)
        })
        .await?;
    let author = posts::author_name(conn, created.author_id).await?;
    Ok((created, author))
}

/// Applies `change` to the post `key` names, as `caller`, once `precondition`
/// (the caller's `If-Match`) holds on the locked row, and returns the post
/// as written with its author's name.
pub async fn change_post<P, F>(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    key: &PostKey,
    precondition: P,
    keep_revisions: u32,
    change: F,
) -> Result<(Post, String), AppError>
where
    P: FnOnce(&Post) -> Result<(), AppError> + Send,
    F: FnOnce(&mut Post, DateTime<Utc>) -> Result<(), AppError> + Send,
{
    conn.transaction::<_, AppError, _>(async |conn| {
        let mut post = posts::find_for_update(conn, key)
            .await?
            .ok_or(AppError::NotFound("post"))?;
        policy::check_may_manage(caller, &post)?;
        precondition(&post)?;
        let before = post.clone();
        let now = Utc::now();
        change(&mut post, now)?;
        lifecycle::check_change(caller, &before, &post, now)?;
        let post = posts::update(conn, &post)
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::Conflict(_) => AppError::Conflict("the slug is taken".into()),
                other => other,
            })?;
        history::record(conn, caller.id, Some(&before), &post, keep_revisions).await?;
        let author = posts::author_name(conn, post.author_id).await?;
        Ok((post, author))
    })
    .await
}

/// Deletes the post `key` names, as `caller`, under the same checks.
pub async fn delete_post<P>(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    key: &PostKey,
    precondition: P,
) -> Result<(), AppError>
where
    P: FnOnce(&Post) -> Result<(), AppError> + Send,
{
    conn.transaction::<_, AppError, _>(async |conn| {
        let post = posts::find_for_update(conn, key)
            .await?
            .ok_or(AppError::NotFound("post"))?;
        policy::check_may_manage(caller, &post)?;
        precondition(&post)?;
        posts::delete(conn, post.id).await?;
        Ok(())
    })
    .await
}
