use actix_web::http::header::{self, Header};
use actix_web::{HttpRequest, HttpResponse, get, web};

use super::dto::PostResponse;
use super::markdown_file;
use super::preconditions::{Representation, post_etag};
use crate::auth::MaybeCaller;
use crate::db::posts::{self, PostKey};
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// Fetch one post by id or slug.
///
/// Anonymous callers see published posts only; a draft is 404 to them.
/// With `Accept: text/markdown` the post comes back as a Markdown file with
/// YAML front matter, ready to import again.
#[utoipa::path(
    tag = "posts",
    params(("id_or_slug" = String, Path, description = "The post's UUID or its slug", example = "hello-world")),
    responses(
        (status = 200, description = "The post", headers(("ETag" = String, description = "A strong entity tag for this representation; send it back in If-Match")), content(
            (PostResponse = "application/json"),
            (String = "text/markdown"),
        )),
        (status = 301, description = "An old slug of the post: `Location` is its current URL",
            headers(("Location" = String, description = "The post's current URL"))),
        (status = 401, description = "An invalid credential was sent", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such post, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = [])),
)]
#[get("/posts/{id_or_slug}")]
pub async fn get_post(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let key = PostKey::parse(&path);
    let mut conn = state.conn().await?;
    let Some((post, author)) = posts::find(&mut conn, &key, caller.visibility()).await? else {
        return super::aliases::redirect_or_not_found(
            &state,
            &mut conn,
            &key,
            caller.visibility(),
            "",
        )
        .await;
    };
    if wants_markdown(&req) {
        return Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/markdown; charset=utf-8"))
            .insert_header((header::VARY, "Accept"))
            .insert_header((header::ETAG, post_etag(&post, Representation::Markdown)))
            .body(markdown_file::export(&post)));
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::VARY, "Accept"))
        .insert_header((header::ETAG, post_etag(&post, Representation::Json)))
        .json(PostResponse::new(post, author)))
}

/// Whether the client asked for Markdown over JSON.
fn wants_markdown(req: &HttpRequest) -> bool {
    let Ok(accept) = header::Accept::parse(req) else {
        return false;
    };
    let ranked = accept.ranked();
    let position = |essence: &str| ranked.iter().position(|m| m.essence_str() == essence);
    match (position("text/markdown"), position("application/json")) {
        (Some(md), Some(json)) => md < json,
        (Some(_), None) => true,
        _ => false,
    }
}
