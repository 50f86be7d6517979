use actix_web::{HttpResponse, get, web};

use crate::auth::MaybeCaller;
use crate::db::posts::{self, PostKey};
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// Fetch a post's rendered, sanitised HTML fragment.
///
/// The HTML was rendered and sanitised when the post was written; it is
/// safe to insert into a page as it is.
#[utoipa::path(
    tag = "posts",
    params(("id_or_slug" = String, Path, description = "The post's UUID or its slug")),
    responses(
        (status = 200, description = "The HTML fragment", body = String, content_type = "text/html",
            headers(("ETag" = String, description = "A strong entity tag for this representation"))),
        (status = 301, description = "An old slug of the post: `Location` is its current URL",
            headers(("Location" = String, description = "The post's current URL"))),
        (status = 401, description = "An invalid credential was sent", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such post, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = [])),
)]
#[get("/posts/{id_or_slug}/html")]
pub async fn get_post_html(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = PostKey::parse(&path);
    let mut conn = state.conn().await?;
    let Some((post, _)) = posts::find(&mut conn, &key, caller.visibility()).await? else {
        return super::aliases::redirect_or_not_found(
            &state,
            &mut conn,
            &key,
            caller.visibility(),
            "/html",
        )
        .await;
    };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            actix_web::http::header::ETAG,
            super::preconditions::post_etag(&post, super::preconditions::Representation::Html),
        ))
        .body(post.html))
}
