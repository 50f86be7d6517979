//! Following a preview link: the one post it grants, as JSON or HTML.
//! Never stored by a cache: the answers show what is not public, to
//! whoever holds the link.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{PreviewInfo, PreviewResponse};
use crate::auth::preview::PreviewGrant;
use crate::db::posts::{self, Post, PostKey};
use crate::domain::Visibility;
use crate::domain::post::history::PostSnapshot;
use crate::error::{AppError, Problem};
use crate::routes::posts::document;
use crate::routes::posts::dto::{Formats, PostResponse, to_json};
use crate::state::AppState;

/// Neither a browser's nor a shared cache may keep a preview.
const NO_STORE: &str = "private, no-store";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewQuery {
    /// The link's token, for a link opened as it is. Prefer
    /// `Authorization: Bearer folio_pv_…` from code: a query string can end
    /// up in browser history and in the logs of proxies in between.
    #[param(max_length = 64, pattern = "^folio_pv_[A-Za-z0-9_-]{43}$")]
    pub preview_token: Option<String>,
    /// Extra parts to include, comma-separated: `toc`, `plaintext` (as for
    /// `GET /api/v1/posts/{id_or_slug}`).
    #[param(style = Form, explode = false, schema_with = crate::routes::posts::get::formats_schema, example = "toc")]
    pub formats: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewHtmlQuery {
    /// The link's token (see `GET /api/v1/preview`).
    #[param(max_length = 64, pattern = "^folio_pv_[A-Za-z0-9_-]{43}$")]
    pub preview_token: Option<String>,
    /// `true` for a complete HTML5 page (marked `noindex`) instead of a
    /// fragment.
    #[param(default = false)]
    pub document: Option<bool>,
}

/// The granted post, with a pinned link's content in place of today's.
async fn granted_post(state: &AppState, grant: &PreviewGrant) -> Result<(Post, String), AppError> {
    let (mut post, author) = {
        let mut conn = state.conn().await?;
        posts::find(&mut conn, &PostKey::Id(grant.post_id), Visibility::All)
            .await?
            .ok_or(AppError::NotFound("post"))?
    };
    if let Some((_, snapshot)) = &grant.pinned {
        let snapshot: PostSnapshot =
            serde_json::from_value(snapshot.clone()).map_err(|e| AppError::Internal(e.into()))?;
        let rendered = crate::routes::posts::media::render_post(
            state,
            snapshot.markdown.clone(),
            snapshot.seo.feature_image.as_deref(),
        )
        .await?;
        // Applied to a copy in memory: nothing is written.
        snapshot
            .restore_request()
            .apply(&mut post, Utc::now(), Some(rendered))?;
    }
    Ok((post, author))
}

fn private(res: &mut actix_web::HttpResponseBuilder) -> &mut actix_web::HttpResponseBuilder {
    res.insert_header((header::CACHE_CONTROL, NO_STORE))
        .insert_header(("X-Robots-Tag", "noindex, nofollow"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
}

/// Read the post a preview link grants, as JSON.
///
/// Takes only a preview token (`folio_pv_…`), in `Authorization: Bearer`
/// or in `preview_token`; any other credential is refused. A link pinned
/// to a revision shows that revision's title, body, excerpt, tags and
/// metadata. Answers carry `Cache-Control: private, no-store`.
#[utoipa::path(tag = "previews", params(PreviewQuery),
    responses(
        (status = 200, description = "The post the link grants", body = PreviewResponse,
            headers(("Cache-Control" = String, description = "Always `private, no-store`"))),
        (status = 400, description = "An unknown format", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No preview token, or one that is invalid, expired or revoked, or whose post was deleted", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another credential than a preview token", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/preview")]
pub async fn get_preview(
    state: web::Data<AppState>,
    grant: PreviewGrant,
    query: web::Query<PreviewQuery>,
) -> Result<HttpResponse, AppError> {
    let formats = query
        .formats
        .as_deref()
        .map(Formats::parse)
        .transpose()
        .map_err(AppError::BadRequest)?
        .unwrap_or_default();
    let (post, author) = granted_post(&state, &grant).await?;
    let body = PreviewResponse {
        post: PostResponse::with_formats(post, author, formats),
        preview: PreviewInfo {
            id: grant.preview_id,
            revision: grant.pinned.as_ref().map(|(number, _)| *number),
            expires_at: grant.expires_at,
        },
    };
    let json = to_json(&body, body.post.json_size_hint())?;
    Ok(private(&mut HttpResponse::Ok())
        .insert_header(header::ContentType::json())
        .body(json))
}

/// Read the post a preview link grants, as sanitised HTML: a fragment, or
/// with `document=true` a whole page marked `noindex` for a reviewer's
/// browser.
#[utoipa::path(tag = "previews", params(PreviewHtmlQuery),
    responses(
        (status = 200, description = "The HTML fragment or page", body = String, content_type = "text/html",
            headers(("Cache-Control" = String, description = "Always `private, no-store`"),
                ("X-Robots-Tag" = String, description = "Always `noindex, nofollow`"))),
        (status = 400, description = "A bad `document` value", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No preview token, or one that is invalid, expired or revoked, or whose post was deleted", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another credential than a preview token", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/preview/html")]
pub async fn get_preview_html(
    state: web::Data<AppState>,
    grant: PreviewGrant,
    query: web::Query<PreviewHtmlQuery>,
) -> Result<HttpResponse, AppError> {
    let (post, author) = granted_post(&state, &grant).await?;
    let body = if query.document.unwrap_or(false) {
        let canonical = state
            .config
            .public_link(&format!("/api/v1/posts/{}/html?document=true", post.slug));
        let image = document::share_image(&post, state.renderer.options().media_base());
        document::render(&post, &author, &canonical, image.as_deref()).replacen(
            "<head>\n",
            "<head>\n<meta name=\"robots\" content=\"noindex, nofollow\">\n",
            1,
        )
    } else {
        post.html.to_string()
    };
    Ok(private(&mut HttpResponse::Ok())
        .content_type("text/html; charset=utf-8")
        .body(body))
}
