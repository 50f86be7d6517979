use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};

use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{Formats, PostResponse, to_json};
use super::preconditions::{Representation, post_etag};
use crate::auth::MaybeCaller;
use crate::domain::post::file as markdown_file;
use crate::error::{AppError, Problem};
use crate::http_cache::last_modified;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetPostQuery {
    /// Extra parts to include, comma-separated: `toc` (the table of
    /// contents), `plaintext` (the text without markup); `html` and
    /// `markdown` are always there and accepted.
    #[param(style = Form, explode = false, schema_with = formats_schema, example = "toc,plaintext")]
    pub formats: Option<String>,
}

/// `formats`: names from [`Formats::NAMES`], at most four.
pub(crate) fn formats_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(Formats::NAMES))
                .max_length(Some(9)),
        )
        .min_items(Some(1))
        .max_items(Some(Formats::NAMES.len()))
        .build()
}

/// Fetch one post by id or slug.
///
/// `formats=toc` adds the table of contents (`toc`: `[{level, text, id}]`,
/// flat, in document order; each `id` is the heading's anchor in `html`),
/// `formats=plaintext` the text without markup (`plain_text`).
/// Anonymous callers see published posts only; a draft is 404 to them, and
/// to API keys without `preview:read`.
/// With `Accept: text/markdown` the post comes back as a Markdown file with
/// YAML front matter, ready to import again.
///
/// Carries a strong `ETag` and `Last-Modified`; `If-None-Match` (or
/// `If-Modified-Since`) answers 304 when nothing changed.
#[utoipa::path(
    tag = "posts",
    params(("id_or_slug" = String, Path, description = "The post's UUID or its slug", max_length = 200, example = "hello-world"), GetPostQuery),
    responses(
        (status = 200, description = "The post", headers(("ETag" = String, description = "A strong entity tag for this representation; send it back in If-Match")), content(
            (PostResponse = "application/json"),
            (String = "text/markdown"),
        )),
        (status = 400, description = "An unknown format", body = Problem, content_type = "application/problem+json"),
        (status = 304, description = "Not modified since the `If-None-Match` ETag or `If-Modified-Since` date"),
        (status = 301, description = "An old slug of the post: `Location` is its current URL",
            headers(("Location" = String, description = "The post's current URL"))),
        (status = 404, description = "No such post, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/posts/{id_or_slug}")]
pub async fn get_post(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    path: web::Path<String>,
    query: web::Query<GetPostQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let formats = query
        .formats
        .as_deref()
        .map(Formats::parse)
        .transpose()
        .map_err(AppError::BadRequest)?
        .unwrap_or_default();
    let (post, author) =
        match super::aliases::find_or_redirect(&state, &path, caller.visibility(), "").await? {
            Ok(found) => found,
            Err(moved) => return Ok(moved),
        };
    // Cache-Control and 304s come from `http_cache`, which keeps this ETag.
    let mut res = HttpResponse::Ok();
    res.insert_header((header::VARY, "Accept, Authorization"))
        .insert_header((header::LAST_MODIFIED, last_modified(post.updated_at)));
    if crate::http_cache::prefers_markdown(&req) {
        return Ok(res
            .insert_header((header::CONTENT_TYPE, "text/markdown; charset=utf-8"))
            .insert_header((header::ETAG, post_etag(&post, Representation::Markdown)))
            .body(markdown_file::export(&post)));
    }
    let etag = post_etag(&post, Representation::Json);
    let body = PostResponse::with_formats(post, author, formats);
    let json = to_json(&body, body.json_size_hint())?;
    Ok(res
        .insert_header((header::ETAG, etag))
        .insert_header(header::ContentType::json())
        .body(json))
}
