use actix_web::{get, web};

use super::{TagList, TagResponse};
use crate::auth::MaybeCaller;
use crate::db::tags;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// List tags, by slug, with how many published posts carry each.
///
/// Callers learn only of tags carried by posts they may see, so a draft's
/// tags stay as private as the draft: anonymous callers see the tags of
/// published posts, authors also those of their own drafts, editors and
/// admins every tag (also those no post carries yet).
#[utoipa::path(
    tag = "tags",
    responses(
        (status = 200, description = "The tags", body = TagList),
    ),
)]
#[get("/tags")]
pub async fn list_tags(
    state: web::Data<AppState>,
    caller: MaybeCaller,
) -> Result<web::Json<TagList>, AppError> {
    let mut conn = state.conn().await?;
    let data = tags::list(&mut conn, caller.visibility())
        .await?
        .into_iter()
        .map(TagResponse::from)
        .collect();
    Ok(web::Json(TagList { data }))
}

/// Fetch one tag by its slug.
#[utoipa::path(
    tag = "tags",
    params(("slug" = String, Path, description = "The tag's slug", max_length = 200, example = "web-dev")),
    responses(
        (status = 200, description = "The tag", body = TagResponse),
        (status = 404, description = "No such tag, or none the caller may see", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/tags/{slug}")]
pub async fn get_tag(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    path: web::Path<String>,
) -> Result<web::Json<TagResponse>, AppError> {
    let mut conn = state.conn().await?;
    let tag = tags::find(&mut conn, &path, caller.visibility())
        .await?
        .ok_or(AppError::NotFound("tag"))?;
    Ok(web::Json(tag.into()))
}
