//! `/api/v1/posts`: one file per operation, the shared shapes beside them.

pub mod aliases;
pub mod bulk;
pub mod create;
pub mod cursor;
pub mod delete;
pub mod document;
pub mod dto;
pub mod get;
pub mod html;
pub mod list;
pub mod list_params;
pub mod media;
pub mod multipart;
pub mod preconditions;
pub mod replace;
pub mod revisions;
pub mod sync;
pub mod update;

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};

use crate::auth::Caller;
use crate::cache::Touched;
use crate::db::posts::{Post, PostKey};
use crate::domain::post::write;
use crate::error::AppError;
use crate::state::AppState;
use preconditions::IfMatch;

/// The HTTP side of [`write::change_post`], shared by `PATCH`, `PUT` and
/// revision restore: the caller's `If-Match` as the precondition, and the
/// changed post with its new `ETag` as the answer.
pub(crate) async fn answer_change<F>(
    state: &AppState,
    caller: &Caller,
    key: &PostKey,
    if_match: &IfMatch,
    change: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut Post, DateTime<Utc>) -> Result<(), AppError> + Send,
{
    let mut conn = state.conn().await?;
    let keep = state.config.site.revisions_keep;
    let precondition = |post: &Post| if_match.check(post);
    // The slug before the change: a rename must drop reads by the old one.
    let mut old_slug = None;
    let change = |post: &mut Post, now| {
        old_slug = Some(post.slug.to_string());
        change(post, now)
    };
    let (post, author) =
        write::change_post(&mut conn, caller, key, precondition, keep, change).await?;
    let touched = [post.id.to_string(), post.slug.to_string()];
    let mut res = HttpResponse::Ok()
        .insert_header(preconditions::etag_header(&post))
        .json(dto::PostResponse::new(post, author));
    Touched::record(&mut res, touched.into_iter().chain(old_slug));
    Ok(res)
}
