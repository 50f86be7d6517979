use actix_web::{HttpResponse, patch, web};

use super::dto::PostResponse;
use super::preconditions::IfMatch;
use crate::auth::Caller;
use crate::db::posts::PostKey;
use crate::domain::post::UpdatePostRequest;
use crate::error::{AppError, Problem};
use crate::routes::json::JsonBody;
use crate::state::AppState;

/// Update a post in part.
///
/// An absent field is kept, `null` clears it (where it can be cleared), a
/// value replaces it. A new body is rendered again.
///
/// Send the `ETag` you last saw in `If-Match`: when someone else changed
/// the post since, the answer is 412 and nothing is written.
#[utoipa::path(
    tag = "posts",
    params(
        ("id_or_slug" = String, Path, description = "The post's UUID or its slug", max_length = 200),
        ("If-Match" = Option<String>, Header, description = "The ETag the change was based on (or `*`); required when FOLIO_REQUIRE_IF_MATCH is on", max_length = 1024, pattern = r#"^\s*(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)\s*$"#),
    ),
    request_body = UpdatePostRequest,
    responses(
        (status = 200, description = "The updated post", body = PostResponse,
            headers(("ETag" = String, description = "The post's new strong entity tag"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the caller's post, or an API key without `posts:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such post", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the post's current ETag", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is required and was not sent", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[patch("/posts/{id_or_slug}")]
pub async fn update_post(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<UpdatePostRequest>,
) -> Result<HttpResponse, AppError> {
    let key = PostKey::parse(&path).ok_or(AppError::NotFound("post"))?;
    let JsonBody(changes) = body;
    let rendered = match changes.markdown_to_render() {
        Some(markdown) => Some(state.renderer.render(markdown, "markdown").await?),
        None => None,
    };
    super::answer_change(&state, &caller, &key, &if_match, |post, now| {
        changes.apply(post, now, rendered)
    })
    .await
}
