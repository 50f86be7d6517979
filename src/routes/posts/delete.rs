use actix_web::{HttpResponse, delete, web};
use diesel_async::AsyncConnection;

use crate::auth::{Caller, Scope};
use crate::db::posts::{self, PostKey};
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// Delete a post. It is gone at once: later reads answer 404.
#[utoipa::path(
    tag = "posts",
    params(("id_or_slug" = String, Path, description = "The post's UUID or its slug")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the caller's post, or an API key without `posts:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such post", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("apiKey" = ["posts:write"])),
)]
#[delete("/posts/{id_or_slug}")]
pub async fn delete_post(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    caller.require(Scope::PostsWrite)?;
    let key = PostKey::parse(&path).ok_or(AppError::NotFound("post"))?;
    let mut conn = state.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let post = posts::find_for_update(conn, &key)
            .await?
            .ok_or(AppError::NotFound("post"))?;
        super::check_may_manage(&caller, &post)?;
        posts::delete(conn, post.id).await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
