use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{ListMeta, Pagination, PostList, PostSummaryResponse};
use crate::auth::MaybeCaller;
use crate::db::posts;
use crate::error::{AppError, Problem};
use crate::state::AppState;

pub const DEFAULT_LIMIT: u32 = 15;
pub const MAX_LIMIT: u32 = 100;
/// Far past any real blog; keeps `page × limit` well inside an i64.
pub const MAX_PAGE: u32 = 1_000_000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1000000, default = 1)]
    pub page: Option<u32>,
    /// Posts per page.
    #[param(minimum = 1, maximum = 100, default = 15)]
    pub limit: Option<u32>,
}

/// List posts, newest first.
///
/// Anonymous callers see published posts; signed-in authors also see their
/// own drafts, editors and admins everything. An API key sees published
/// posts, and drafts too with `preview:read`. Items carry no bodies; fetch
/// one post for its Markdown and HTML.
#[utoipa::path(
    tag = "posts",
    params(ListQuery),
    responses(
        (status = 200, description = "One page of posts", body = PostList),
        (status = 400, description = "Bad page or limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "An invalid credential was sent", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []), ("apiKey" = ["content:read"]), ("apiKey" = ["preview:read"])),
)]
#[get("/posts")]
pub async fn list_posts(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    query: web::Query<ListQuery>,
) -> Result<web::Json<PostList>, AppError> {
    let page = query.page.unwrap_or(1);
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(AppError::BadRequest(format!(
            "page must be from 1 to {MAX_PAGE}"
        )));
    }
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::BadRequest(format!(
            "limit must be from 1 to {MAX_LIMIT}"
        )));
    }
    let offset = i64::from(page - 1) * i64::from(limit);
    let mut conn = state.conn().await?;
    let (rows, total) =
        posts::list(&mut conn, caller.visibility(), offset, i64::from(limit)).await?;
    let total = u64::try_from(total).unwrap_or(0);
    Ok(web::Json(PostList {
        data: rows
            .into_iter()
            .map(|(post, author)| PostSummaryResponse::new(post, author))
            .collect(),
        meta: ListMeta {
            pagination: Pagination {
                page,
                limit,
                pages: total.div_ceil(u64::from(limit)),
                total,
            },
        },
    }))
}
