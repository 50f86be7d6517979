use actix_web::{get, web};

use super::{TagList, TagResponse};
use crate::auth::MaybeCaller;
use crate::db::tags::{self, TagRow};
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// Anonymous callers learn only of tags that published posts carry, so a
/// draft's tags stay private.
fn visible(caller: &MaybeCaller, tag: &TagRow) -> bool {
    caller.0.is_some() || tag.posts > 0
}

/// List tags, by slug, with how many published posts carry each.
///
/// Anonymous callers see the tags of published posts; signed-in callers
/// see every tag.
#[utoipa::path(
    tag = "tags",
    responses(
        (status = 200, description = "The tags", body = TagList),
        (status = 401, description = "An invalid credential was sent", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = [])),
)]
#[get("/tags")]
pub async fn list_tags(
    state: web::Data<AppState>,
    caller: MaybeCaller,
) -> Result<web::Json<TagList>, AppError> {
    let mut conn = state.conn().await?;
    let data = tags::list(&mut conn)
        .await?
        .into_iter()
        .filter(|t| visible(&caller, t))
        .map(TagResponse::from)
        .collect();
    Ok(web::Json(TagList { data }))
}

/// Fetch one tag by its slug.
#[utoipa::path(
    tag = "tags",
    params(("slug" = String, Path, description = "The tag's slug", example = "web-dev")),
    responses(
        (status = 200, description = "The tag", body = TagResponse),
        (status = 401, description = "An invalid credential was sent", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tag, or none the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = [])),
)]
#[get("/tags/{slug}")]
pub async fn get_tag(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    path: web::Path<String>,
) -> Result<web::Json<TagResponse>, AppError> {
    let mut conn = state.conn().await?;
    let tag = tags::find(&mut conn, &path)
        .await?
        .filter(|t| visible(&caller, t))
        .ok_or(AppError::NotFound("tag"))?;
    Ok(web::Json(tag.into()))
}
