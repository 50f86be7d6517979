use actix_web::{HttpRequest, HttpResponse, put, web};

use super::dto::PostResponse;
use super::preconditions::IfMatch;
use crate::auth::Caller;
use crate::db::posts::PostKey;
use crate::domain::post::CreatePostRequest;
use crate::domain::post::file::MarkdownFile;
use crate::error::{AppError, Problem};
use crate::routes::json::TimedBytes;
use crate::state::AppState;

/// Replace a post as a whole, from JSON or a Markdown file.
///
/// The body is what `POST` takes; every field it leaves out goes back to
/// its default (no tags, no metadata, a derived excerpt…), except the slug
/// and the publication date, which are kept when absent. The id, author and creation time stay.
/// Honours `If-Match` like `PATCH`: send the ETag of the version you edited.
#[utoipa::path(
    tag = "posts",
    params(
        ("id_or_slug" = String, Path, description = "The post's UUID or its slug", max_length = 200),
        ("If-Match" = Option<String>, Header, description = "The ETag the replacement is based on (or `*`); required when FOLIO_REQUIRE_IF_MATCH is on", max_length = 1024, pattern = r#"^\s*(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)\s*$"#),
    ),
    request_body(content(
        (CreatePostRequest = "application/json"),
        (MarkdownFile = "text/markdown"),
    )),
    responses(
        (status = 200, description = "The replaced post", body = PostResponse,
            headers(("ETag" = String, description = "The post's new strong entity tag"))),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the caller's post, or a status the caller may not set", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such post", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the post's current ETag", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor Markdown", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is required and was not sent", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[put("/posts/{id_or_slug}")]
pub async fn replace_post(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    if_match: IfMatch,
    req: HttpRequest,
    body: TimedBytes,
) -> Result<HttpResponse, AppError> {
    let key = PostKey::parse(&path).ok_or(AppError::NotFound("post"))?;
    let TimedBytes(body) = body;
    let input = super::create::parse_body(&state, &req, &body)?;
    let rendered = super::media::render_post(
        &state,
        input.markdown().to_owned(),
        input.seo.feature_image.as_deref(),
    )
    .await?;
    super::answer_change(&state, &caller, &key, &if_match, |post, now| {
        input.replace(post, now, rendered);
        Ok(())
    })
    .await
}
