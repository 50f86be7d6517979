use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::document;
use crate::auth::MaybeCaller;
use crate::error::{AppError, Problem};
use crate::http_cache::last_modified;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HtmlQuery {
    /// `true` for a complete HTML5 page instead of a fragment.
    #[param(default = false)]
    pub document: Option<bool>,
}

/// Fetch a post's rendered, sanitised HTML: a fragment, or a whole page.
///
/// The HTML was rendered and sanitised when the post was written; it is
/// safe to insert into a page as it is. With `document=true` it comes as a
/// complete HTML5 page with `<title>`, meta description, canonical link
/// (the post's `canonical_url` metadata, else this URL), Open Graph and
/// Twitter card tags (`og:image` from the `image` or `cover` metadata).
/// Both carry a strict `Content-Security-Policy`.
#[utoipa::path(
    tag = "posts",
    params(("id_or_slug" = String, Path, description = "The post's UUID or its slug", max_length = 200), HtmlQuery),
    responses(
        (status = 200, description = "The HTML fragment or page", body = String, content_type = "text/html",
            headers(("Content-Security-Policy" = String, description = "No scripts, frames, forms or plugins"),
                ("ETag" = String, description = "A strong entity tag for this representation"))),
        (status = 301, description = "An old slug of the post: `Location` is its current URL",
            headers(("Location" = String, description = "The post's current URL"))),
        (status = 400, description = "A bad `document` value", body = Problem, content_type = "application/problem+json"),
        (status = 304, description = "Not modified since the `If-None-Match` ETag or `If-Modified-Since` date"),
        (status = 404, description = "No such post, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/posts/{id_or_slug}/html")]
pub async fn get_post_html(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    path: web::Path<String>,
    query: web::Query<HtmlQuery>,
) -> Result<HttpResponse, AppError> {
    let (post, author) = match super::aliases::find_or_redirect(
        &state,
        &path,
        caller.visibility(),
        "/html",
    )
    .await?
    {
        Ok(found) => found,
        Err(moved) => return Ok(moved),
    };
    let document = query.document.unwrap_or(false);
    let etag = super::preconditions::post_etag(&post, super::preconditions::Representation::Html);
    let body = if document {
        let canonical = document::canonical_override(&post).unwrap_or_else(|| {
            state
                .config
                .public_link(&format!("/api/v1/posts/{}/html?document=true", post.slug))
        });
        let image = document::share_image(&post, state.renderer.options().media_base());
        document::render(&post, &author, &canonical, image.as_deref())
    } else {
        post.html
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::VARY, "Authorization"))
        .insert_header((header::LAST_MODIFIED, last_modified(post.updated_at)))
        .content_type("text/html; charset=utf-8")
        .insert_header((
            actix_web::http::header::ETAG,
            // The page and the fragment are different representations.
            if document {
                format!("{}-page\"", etag.trim_end_matches('"'))
            } else {
                etag
            },
        ))
        .body(body))
}
