//! `/api/v1/posts/{id_or_slug}/revisions`: a post's history, and restoring it.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::dto::{AuthorRef, PostResponse};
use super::preconditions::IfMatch;
use crate::auth::Caller;
use crate::db::posts::{self, Post, PostKey};
use crate::db::revisions::{self, Revision};
use crate::domain::post::history::PostSnapshot;
use crate::domain::post::policy;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// One revision in a list: who made it, when, and the title it gave.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionSummary {
    /// 1 for the post as created, then one more per change.
    pub number: i32,
    pub created_at: DateTime<Utc>,
    /// Who made it; null when that user no longer exists.
    pub user: Option<AuthorRef>,
    pub title: String,
}

/// A post's revisions, newest first. Only the newest `FOLIO_REVISIONS_KEEP` are kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionList {
    pub data: Vec<RevisionSummary>,
}

/// One revision with the post's content as it was.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionResponse {
    pub number: i32,
    pub created_at: DateTime<Utc>,
    pub user: Option<AuthorRef>,
    pub snapshot: PostSnapshot,
}

fn user(revision: &Revision, name: Option<String>) -> Option<AuthorRef> {
    Some(AuthorRef {
        id: revision.user_id?,
        name: name?,
    })
}

fn snapshot(revision: &Revision) -> Result<PostSnapshot, AppError> {
    serde_json::from_value(revision.snapshot.clone()).map_err(|e| AppError::Internal(e.into()))
}

/// The post, if `check` lets the caller at it (404 when they may not see
/// it, 403 when they see it but may not do this).
pub(crate) async fn managed_post(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    raw: &str,
    check: fn(&Caller, &Post) -> Result<(), AppError>,
) -> Result<Post, AppError> {
    let key = PostKey::parse(raw).ok_or(AppError::NotFound("post"))?;
    let (post, _) = posts::find(conn, &key, caller.visibility())
        .await?
        .ok_or(AppError::NotFound("post"))?;
    check(caller, &post)?;
    Ok(post)
}

/// List a post's revisions, newest first.
///
/// Every change to the title, Markdown, excerpt, slug, status, date, tags or
/// metadata stores a revision. Only callers who may change the post see them.
#[utoipa::path(
    tag = "posts",
    params(("id_or_slug" = String, Path, description = "The post's UUID or its slug", max_length = 200)),
    responses(
        (status = 200, description = "The revisions", body = RevisionList),
        (status = 403, description = "Not the caller's post", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such post", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/posts/{id_or_slug}/revisions")]
pub async fn list_revisions(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<RevisionList>, AppError> {
    let mut conn = state.conn().await?;
    let post = managed_post(&mut conn, &caller, &path, policy::check_may_read_history).await?;
    let rows = revisions::list(&mut conn, post.id).await?;
    let data = rows
        .into_iter()
        .map(|(r, name)| {
            Ok(RevisionSummary {
                number: r.number,
                created_at: r.created_at,
                title: snapshot(&r)?.title,
                user: user(&r, name),
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(web::Json(RevisionList { data }))
}

/// Fetch one revision of a post, with its content as it was.
#[utoipa::path(
    tag = "posts",
    params(
        ("id_or_slug" = String, Path, description = "The post's UUID or its slug", max_length = 200),
        ("revision" = i32, Path, description = "The revision's number", minimum = 1, maximum = 2147483647),
    ),
    responses(
        (status = 200, description = "The revision", body = RevisionResponse),
        (status = 403, description = "Not the caller's post", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such post or revision", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/posts/{id_or_slug}/revisions/{revision}")]
pub async fn get_revision(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, i32)>,
) -> Result<web::Json<RevisionResponse>, AppError> {
    let (raw, number) = path.into_inner();
    let mut conn = state.conn().await?;
    let post = managed_post(&mut conn, &caller, &raw, policy::check_may_read_history).await?;
    let (r, name) = revisions::find(&mut conn, post.id, number)
        .await?
        .ok_or(AppError::NotFound("revision"))?;
    Ok(web::Json(RevisionResponse {
        number: r.number,
        created_at: r.created_at,
        snapshot: snapshot(&r)?,
        user: user(&r, name),
    }))
}

/// Restore a post's content from a revision.
///
/// The title, Markdown, excerpt, tags and metadata go back to what the
/// revision holds; the slug, status and date stay as they are. The restore
/// is itself a new revision. Honours `If-Match` like `PATCH`.
#[utoipa::path(
    tag = "posts",
    params(
        ("id_or_slug" = String, Path, description = "The post's UUID or its slug", max_length = 200),
        ("revision" = i32, Path, description = "The revision's number", minimum = 1, maximum = 2147483647),
        ("If-Match" = Option<String>, Header, description = "The ETag the restore is based on (or `*`); required when FOLIO_REQUIRE_IF_MATCH is on", max_length = 1024, pattern = r#"^\s*(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)\s*$"#),
    ),
    responses(
        (status = 200, description = "The restored post", body = PostResponse,
            headers(("ETag" = String, description = "The post's new strong entity tag"))),
        (status = 400, description = "A malformed If-Match header", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the caller's post", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such post or revision", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the post's current ETag", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is required and was not sent", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/posts/{id_or_slug}/revisions/{revision}/restore")]
pub async fn restore_revision(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, i32)>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (raw, number) = path.into_inner();
    let snapshot = {
        let mut conn = state.conn().await?;
        let post = managed_post(&mut conn, &caller, &raw, policy::check_may_manage).await?;
        let (revision, _) = revisions::find(&mut conn, post.id, number)
            .await?
            .ok_or(AppError::NotFound("revision"))?;
        snapshot(&revision)?
    };
    let rendered = super::media::render_post(
        &state,
        snapshot.markdown.clone(),
        snapshot.seo.feature_image.as_deref(),
    )
    .await?;
    let key = PostKey::parse(&raw).ok_or(AppError::NotFound("post"))?;
    super::answer_change(&state, &caller, &key, &if_match, |post, now| {
        snapshot.restore_request().apply(post, now, Some(rendered))
    })
    .await
}
