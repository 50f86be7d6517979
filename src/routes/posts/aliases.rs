//! Old slugs keep working: a read by a slug the post no longer has answers
//! 301 to its current URL.

use actix_web::HttpResponse;
use actix_web::http::header;
use diesel_async::AsyncPgConnection;

use crate::db::posts::{self, Post, PostKey};
use crate::db::slug_aliases;
use crate::domain::Visibility;
use crate::error::AppError;
use crate::state::AppState;

/// The post `raw` names if the caller may see it, or the answer to send
/// instead: a 301 when `raw` is an old slug of such a post (to its current
/// URL plus `suffix`, such as `/html`), else a 404.
pub async fn find_or_redirect(
    state: &AppState,
    raw: &str,
    visibility: Visibility,
    suffix: &str,
) -> Result<Result<(Post, String), HttpResponse>, AppError> {
    let key = PostKey::parse(raw).ok_or(AppError::NotFound("post"))?;
    let mut conn = state.conn().await?;
    match posts::find(&mut conn, &key, visibility).await? {
        Some(found) => Ok(Ok(found)),
        None => redirect_or_not_found(state, &mut conn, &key, visibility, suffix)
            .await
            .map(Err),
    }
}

/// For a post read that found nothing: 301 to the current URL (plus
/// `suffix`, such as `/html`) when the slug is an old one of a post the
/// caller may see, 404 otherwise.
pub async fn redirect_or_not_found(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    key: &PostKey,
    visibility: Visibility,
    suffix: &str,
) -> Result<HttpResponse, AppError> {
    let not_found = || AppError::NotFound("post");
    let PostKey::Slug(slug) = key else {
        return Err(not_found());
    };
    let id = slug_aliases::resolve(conn, slug)
        .await?
        .ok_or_else(not_found)?;
    let (post, _) = posts::find(conn, &PostKey::Id(id), visibility)
        .await?
        .ok_or_else(not_found)?;
    let location = state
        .config
        .public_link(&format!("/api/v1/posts/{}{suffix}", post.slug));
    Ok(HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, location))
        .finish())
}
