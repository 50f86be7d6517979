//! The one way a stored post is created, changed or deleted.
//!
//! A change locks the post, checks that the caller may change it and that
//! it is still the version they saw, applies the change, checks the
//! lifecycle rules, writes it, records what it leaves behind (revision,
//! old slug, new tags, the media it uses) and commits. Update, replace and revision restore
//! all come through [`change_post`].
//!
//! Rendering is never done in here: a body arrives already rendered
//! ([`crate::render::Renderer`]), so a row stays locked for a few
//! statements, not for a render.

use chrono::{DateTime, Utc};
use diesel::result::{DatabaseErrorKind, Error as DbError};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use super::input::PostInput;
use super::{history, lifecycle, media, policy};
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
    let derived = input.slug.is_none();
    let slug = input.slug_or_derived();
    let created = conn
        .transaction::<_, AppError, _>(async |conn| {
            insert_new(conn, caller, input, slug, derived, rendered, keep_revisions).await
        })
        .await?;
    // The caller is the new post's author; its name came with the
    // credential's check.
    Ok((created, caller.name.clone()))
}

/// Inserts a new post under `base` (numbered until free when `derived`)
/// and records its first revision, inside the caller's transaction.
async fn insert_new(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    input: PostInput,
    base: Slug,
    derived: bool,
    rendered: Rendered,
    keep_revisions: u32,
) -> Result<Post, AppError> {
    let now = Utc::now();
    lifecycle::check_new(caller, input.status, input.published_at, now)?;
    let mut post = input.into_post(base.clone(), caller.id, now, rendered);
    if !derived {
        // One try: a taken slug ends the caller's transaction (or its
        // savepoint) anyway, so it needs no savepoint of its own.
        let created = posts::insert(conn, &post).await.map_err(|e| match e {
            DbError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                AppError::Conflict(format!("the slug `{}` is taken", post.slug))
            }
            e => e.into(),
        })?;
        media::record_usage(conn, &created, None).await?;
        history::record(conn, caller.id, None, &created, keep_revisions).await?;
        return Ok(created);
    }
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
    media::record_usage(conn, &created, None).await?;
    history::record(conn, caller.id, None, &created, keep_revisions).await?;
    Ok(created)
}

/// Inserts new posts by `caller` (a bulk batch's items at slugs no post
/// had), inside the caller's transaction: one statement for the rows, one
/// for their first revisions, then the media each uses. An item whose slug
/// another post took meanwhile is a 409, alone, as is one the lifecycle
/// rules refuse. Should the database refuse the statement as a whole (a
/// row it will not store), it is undone (a savepoint) and the error
/// returned: the caller writes the items one by one to find which. The
/// items' tags must exist already ([`crate::db::tags::ensure`]).
pub async fn insert_many(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    items: Vec<(usize, Slug, PostInput, Rendered)>,
    keep_revisions: u32,
) -> Result<Vec<(usize, Result<Post, AppError>)>, AppError> {
    let now = Utc::now();
    let mut done = Vec::with_capacity(items.len());
    let mut new = Vec::with_capacity(items.len());
    let mut at = std::collections::HashMap::with_capacity(items.len());
    for (index, slug, input, rendered) in items {
        match lifecycle::check_new(caller, input.status, input.published_at, now) {
            Ok(()) => {
                at.insert(slug.to_string(), index);
                new.push(input.into_post(slug, caller.id, now, rendered));
            }
            Err(e) => done.push((index, Err(e))),
        }
    }
    if new.is_empty() {
        return Ok(done);
    }
    let created = conn
        .transaction::<_, AppError, _>(async |conn| {
            let created = posts::insert_many(conn, &new).await?;
            history::record_new(conn, caller.id, &created, keep_revisions).await?;
            for post in &created {
                media::record_usage(conn, post, None).await?;
            }
            Ok(created)
        })
        .await?;
    for post in created {
        if let Some(index) = at.remove(post.slug.as_str()) {
            done.push((index, Ok(post)));
        }
    }
    for (slug, index) in at {
        done.push((
            index,
            Err(AppError::Conflict(format!("the slug `{slug}` is taken"))),
        ));
    }
    Ok(done)
}

/// What [`put_by_slug`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    Created,
    Updated,
    Unchanged,
}

/// Makes the post at `slug` say what `input` says, in one transaction (a
/// savepoint inside the caller's): creates it when no post has that slug,
/// replaces it (as `PUT` does) when the caller may manage it and it says
/// something else, and leaves it alone when it already says the same.
/// `rendered` is `None` only when the post was found unchanged before the
/// body was rendered; should it have changed since, the item is a 409 to
/// send again. `absent` says no post had the slug a moment ago: the post is
/// inserted straight away, and should one have taken the slug since, the
/// item is a 409 as for a create.
pub async fn put_by_slug(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    slug: &Slug,
    input: PostInput,
    rendered: Option<Rendered>,
    absent: bool,
    keep_revisions: u32,
) -> Result<(Post, Put), AppError> {
    let changed_meanwhile = || {
        AppError::Conflict(format!(
            "the post `{slug}` changed while this request ran; send it again"
        ))
    };
    conn.transaction::<_, AppError, _>(async |conn| {
        if let (true, Some(rendered)) = (absent, &rendered) {
            let created = insert_new(
                conn,
                caller,
                input,
                slug.clone(),
                false,
                rendered.clone(),
                keep_revisions,
            )
            .await?;
            return Ok((created, Put::Created));
        }
        let key = PostKey::Slug(slug.to_string());
        let Some(mut post) = posts::find_for_update(conn, &key).await? else {
            let rendered = rendered.ok_or_else(changed_meanwhile)?;
            let created = insert_new(
                conn,
                caller,
                input,
                slug.clone(),
                false,
                rendered,
                keep_revisions,
            )
            .await?;
            return Ok((created, Put::Created));
        };
        check_may_take(caller, &post, slug)?;
        if input.matches(&post) {
            return Ok((post, Put::Unchanged));
        }
        let rendered = rendered.ok_or_else(changed_meanwhile)?;
        let before = post.clone();
        let now = Utc::now();
        input.replace(&mut post, now, rendered);
        lifecycle::check_change(caller, &before, &post, now)?;
        let post = posts::update(conn, &before, &post).await?;
        media::record_usage(conn, &post, Some(&before)).await?;
        history::record(conn, caller.id, Some(&before), &post, keep_revisions).await?;
        Ok((post, Put::Updated))
    })
    .await
}

/// Whether the caller may write over the post at `slug`: as for a change,
/// except that a post they may not even see answers as `POST` would, a 409
/// for a taken slug (it names nothing the caller did not send).
pub fn check_may_take(caller: &Caller, post: &Post, slug: &Slug) -> Result<(), AppError> {
    policy::check_may_manage(caller, post).map_err(|e| match e {
        AppError::NotFound(_) => AppError::Conflict(format!("the slug `{slug}` is taken")),
        other => other,
    })
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
        let post =
            posts::update(conn, &before, &post)
                .await
                .map_err(|e| match AppError::from(e) {
                    AppError::Conflict(_) => AppError::Conflict("the slug is taken".into()),
                    other => other,
                })?;
        media::record_usage(conn, &post, Some(&before)).await?;
        history::record(conn, caller.id, Some(&before), &post, keep_revisions).await?;
        let author = if post.author_id == caller.id {
            caller.name.clone()
        } else {
            posts::author_name(conn, post.author_id).await?
        };
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
