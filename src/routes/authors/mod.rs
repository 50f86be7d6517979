//! `/api/v1/authors`: public author profiles. Never an email or a role.
//!
//! Anonymous callers see authors of published posts only, so the API does
//! not list every account; signed-in callers see every user's profile.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::MaybeCaller;
use crate::db::authors::{self, AuthorRow};
use crate::domain::Visibility;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// An author's public profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorResponse {
    #[schema(example = "ada-lovelace")]
    pub slug: String,
    #[schema(example = "Ada Lovelace")]
    pub name: String,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    /// How many published posts they wrote.
    pub post_count: i64,
}

impl From<AuthorRow> for AuthorResponse {
    fn from(a: AuthorRow) -> Self {
        Self {
            slug: a.slug,
            name: a.name,
            bio: a.bio,
            avatar_url: a.avatar_url,
            post_count: a.posts,
        }
    }
}

/// Authors, by slug.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorList {
    pub data: Vec<AuthorResponse>,
}

/// Callers who may see only public posts (anonymous ones, API keys without
/// `preview:read`) learn only of authors with a public post; the API does
/// not list every account to them.
fn visible(caller: &MaybeCaller, author: &AuthorRow) -> bool {
    author.posts > 0 || !matches!(caller.visibility(), Visibility::Published)
}

/// List authors, by slug, with how many published posts each wrote.
#[utoipa::path(
    tag = "authors",
    responses(
        (status = 200, description = "The authors", body = AuthorList),
    ),
)]
#[get("/authors")]
pub async fn list_authors(
    state: web::Data<AppState>,
    caller: MaybeCaller,
) -> Result<web::Json<AuthorList>, AppError> {
    let mut conn = state.conn().await?;
    let data = authors::list(&mut conn)
        .await?
        .into_iter()
        .filter(|a| visible(&caller, a))
        .map(AuthorResponse::from)
        .collect();
    Ok(web::Json(AuthorList { data }))
}

/// Fetch an author's public profile by slug.
#[utoipa::path(
    tag = "authors",
    params(("slug" = String, Path, description = "The author's slug", max_length = 200, example = "ada-lovelace")),
    responses(
        (status = 200, description = "The author", body = AuthorResponse),
        (status = 404, description = "No such author, or none the caller may see", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/authors/{slug}")]
pub async fn get_author(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    path: web::Path<String>,
) -> Result<web::Json<AuthorResponse>, AppError> {
    let mut conn = state.conn().await?;
    let author = authors::find(&mut conn, &path)
        .await?
        .filter(|a| visible(&caller, a))
        .ok_or(AppError::NotFound("author"))?;
    Ok(web::Json(author.into()))
}
