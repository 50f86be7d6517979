//! Making, listing and revoking a post's preview links: whoever may see
//! the post's drafts and history may share it.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::Utc;
use uuid::Uuid;

use super::dto::{CreatePreviewRequest, CreatedPreview, PreviewList, PreviewSummary, PreviewUrls};
use crate::auth::{Caller, preview};
use crate::config::Config;
use crate::db::previews::{self, Preview};
use crate::db::revisions;
use crate::domain::post::policy;
use crate::error::{AppError, Problem};
use crate::routes::json::JsonBody;
use crate::routes::posts::revisions::managed_post;
use crate::state::AppState;

/// Live links per post: each is a credential, and a list nobody can read
/// through is no review.
pub const MAX_LIVE_PER_POST: i64 = 50;
/// A link's life when the request names none.
const DEFAULT_TTL_SECS: u64 = 86_400;
const MIN_TTL_SECS: u64 = 60;

fn summary(p: Preview) -> PreviewSummary {
    PreviewSummary {
        id: p.id,
        post_id: p.post_id,
        prefix: p.prefix,
        revision: p.revision,
        expires_at: p.expires_at,
        created_at: p.created_at,
        created_by: p.created_by,
        last_used_at: p.last_used_at,
    }
}

/// The links of a new token. The token rides in the query string so that
/// a reviewer can open them; see docs/PREVIEWS.md for that trade-off.
fn urls(config: &Config, token: &str) -> PreviewUrls {
    let link = |path: &str, extra: &str| {
        config.public_link(&format!(
            "/api/v1/{path}?{extra}{}={token}",
            preview::QUERY_PARAM
        ))
    };
    PreviewUrls {
        json: link("preview", ""),
        html: link("preview/html", ""),
        document: link("preview/html", "document=true&"),
    }
}

/// Create a preview link to a post; its token is in this answer only.
///
/// The link reads this post, and nothing else, until it expires or is
/// revoked, or the post is deleted, or its maker is disabled. Pinned to a
/// `revision`, it keeps showing that revision's content after later
/// edits. Callers who may see the post's history may make one: its author,
/// editors and admins, or a key with `posts:write`. At most 50 live links
/// per post.
#[utoipa::path(tag = "previews", request_body = CreatePreviewRequest,
    params(("id_or_slug" = String, Path, description = "The post's UUID or its slug", max_length = 200)),
    responses(
        (status = 201, description = "Created; `token` is shown once", body = CreatedPreview,
            headers(("Location" = String, description = "The link's JSON URL (it carries the token)"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a post the caller may share", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such post or revision", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The post has 50 live links already", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An expiry out of bounds", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/posts/{id_or_slug}/previews")]
pub async fn create_preview(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody<CreatePreviewRequest>,
) -> Result<HttpResponse, AppError> {
    let JsonBody(req) = body;
    let max = state.config.live.preview_max_ttl.as_secs();
    let ttl = match req.expires_in.map(u64::from) {
        None => DEFAULT_TTL_SECS.min(max),
        Some(secs) if (MIN_TTL_SECS..=max).contains(&secs) => secs,
        Some(_) => {
            return Err(AppError::invalid(
                "expires_in",
                format!("must be between {MIN_TTL_SECS} and {max} seconds"),
            ));
        }
    };
    let mut conn = state.conn().await?;
    let post = managed_post(&mut conn, &caller, &path, policy::check_may_read_history).await?;
    let pinned = match req.revision {
        None => None,
        Some(number) => {
            let (revision, _) = revisions::find(&mut conn, post.id, number)
                .await?
                .ok_or(AppError::NotFound("revision"))?;
            Some((revision.number, revision.snapshot))
        }
    };
    if previews::count_live(&mut conn, post.id).await? >= MAX_LIVE_PER_POST {
        return Err(AppError::Conflict(format!(
            "the post has {MAX_LIVE_PER_POST} live preview links; revoke one first"
        )));
    }
    let (token, prefix) = preview::generate();
    let now = Utc::now();
    let (revision, snapshot) = pinned.unzip();
    let row = Preview {
        id: Uuid::now_v7(),
        post_id: post.id,
        prefix,
        token_hash: crate::auth::secret::digest(&token),
        revision,
        snapshot,
        created_by: caller.id,
        expires_at: now + chrono::Duration::seconds(i64::try_from(ttl).unwrap_or(i64::MAX)),
        revoked_at: None,
        last_used_at: None,
        created_at: now,
    };
    previews::insert(&mut conn, &row).await?;
    let urls = urls(&state.config, &token);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, urls.json.clone()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CreatedPreview {
            preview: summary(row),
            token,
            urls,
        }))
}

/// List a post's preview links that still work, newest first. Their tokens
/// are never shown again.
#[utoipa::path(tag = "previews",
    params(("id_or_slug" = String, Path, description = "The post's UUID or its slug", max_length = 200)),
    responses(
        (status = 200, description = "The live links", body = PreviewList),
        (status = 403, description = "Not a post the caller may share", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such post", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/posts/{id_or_slug}/previews")]
pub async fn list_previews(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<PreviewList>, AppError> {
    let mut conn = state.conn().await?;
    let post = managed_post(&mut conn, &caller, &path, policy::check_may_read_history).await?;
    let data = previews::list_live(&mut conn, post.id)
        .await?
        .into_iter()
        .map(summary)
        .collect();
    Ok(web::Json(PreviewList { data }))
}

/// Revoke a preview link: it stops working at once, on every instance,
/// and any event stream it opened ends at its next heartbeat.
#[utoipa::path(tag = "previews",
    params(
        ("id_or_slug" = String, Path, description = "The post's UUID or its slug", max_length = 200),
        ("preview_id" = Uuid, Path, description = "The link's id"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Not a post the caller may share", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such post, or no such live link of it", body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/posts/{id_or_slug}/previews/{preview_id}")]
pub async fn delete_preview(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, AppError> {
    let (raw, id) = path.into_inner();
    let mut conn = state.conn().await?;
    let post = managed_post(&mut conn, &caller, &raw, policy::check_may_read_history).await?;
    if !previews::revoke(&mut conn, post.id, id).await? {
        return Err(AppError::NotFound("preview link"));
    }
    Ok(HttpResponse::NoContent().finish())
}
