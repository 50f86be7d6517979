use actix_web::{HttpResponse, delete, web};

use super::preconditions::IfMatch;
use crate::auth::Caller;
use crate::cache::Touched;
use crate::db::posts::PostKey;
use crate::domain::post::write;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// Delete a post. It is gone at once: later reads answer 404.
///
/// With `If-Match`, only the version the client last saw is deleted.
#[utoipa::path(
    tag = "posts",
    params(
        ("id_or_slug" = String, Path, description = "The post's UUID or its slug", max_length = 200),
        ("If-Match" = Option<String>, Header, description = "The ETag the change was based on (or `*`); required when FOLIO_REQUIRE_IF_MATCH is on", max_length = 1024, pattern = r#"^\s*(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)\s*$"#),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A malformed If-Match header", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the caller's post, or an API key without `posts:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such post", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the post's current ETag", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is required and was not sent", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[delete("/posts/{id_or_slug}")]
pub async fn delete_post(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let key = PostKey::parse(&path).ok_or(AppError::NotFound("post"))?;
    let mut conn = state.conn().await?;
    let mut deleted = Vec::new();
    write::delete_post(&mut conn, &caller, &key, |post| {
        deleted = vec![post.id.to_string(), post.slug.to_string()];
        if_match.check(post)
    })
    .await?;
    let mut res = HttpResponse::NoContent().finish();
    Touched::record(&mut res, deleted);
    Ok(res)
}
