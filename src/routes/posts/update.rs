use actix_web::{HttpResponse, patch, web};

use super::dto::PostResponse;
use super::preconditions::IfMatch;
use crate::auth::Caller;
use crate::db::posts::{self, PostKey};
use crate::domain::Visibility;
use crate::domain::post::UpdatePostRequest;
use crate::error::{AppError, Problem};
use crate::render::Rendered;
use crate::render::media::scan_refs;
use crate::routes::json::JsonBody;
use crate::state::AppState;

/// Update a post in part.
///
/// An absent field is kept, `null` clears it (where it can be cleared), a
/// value replaces it. A new body is rendered again.
///
/// Send the `ETag` you last saw in `If-Match`: when someone else changed
/// the post since, the answer is 412 and nothing is written.
#[utoipa::path(
    tag = "posts",
    params(
        ("id_or_slug" = String, Path, description = "The post's UUID or its slug", max_length = 200),
        ("If-Match" = Option<String>, Header, description = "The ETag the change was based on (or `*`); required when FOLIO_REQUIRE_IF_MATCH is on", max_length = 1024, pattern = r#"^\s*(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)\s*$"#),
    ),
    request_body = UpdatePostRequest,
    responses(
        (status = 200, description = "The updated post", body = PostResponse,
            headers(("ETag" = String, description = "The post's new strong entity tag"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the caller's post, or an API key without `posts:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such post", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the post's current ETag", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is required and was not sent", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[patch("/posts/{id_or_slug}")]
pub async fn update_post(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<UpdatePostRequest>,
) -> Result<HttpResponse, AppError> {
    let key = PostKey::parse(&path).ok_or(AppError::NotFound("post"))?;
    let JsonBody(changes) = body;
    let rendered = render_for(&state, &key, &changes).await?;
    super::answer_change(&state, &caller, &key, &if_match, |post, now| {
        let Some(media) = rendered else {
            return changes.apply(post, now, None);
        };
        changes.apply(post, now, Some(media.rendered.clone()))?;
        let changed_meanwhile =
            || AppError::Conflict("the post changed while this request ran; send it again".into());
        if scan_refs(post.seo.feature_image.as_deref()) != media.feature_refs {
            return Err(changed_meanwhile());
        }
        if let Some(body) = media.kept_body {
            // Only the feature image changed: the body rendered again is
            // the stored one, unless someone changed it meanwhile.
            if post.markdown != body {
                return Err(changed_meanwhile());
            }
            post.set_rendered(media.rendered);
        }
        Ok(())
    })
    .await
}

/// A body rendered for an update, and what it was rendered with.
struct RenderedFor {
    rendered: Rendered,
    /// The media the feature image it was rendered with refers to.
    feature_refs: Vec<String>,
    /// The stored body, when the update brings none.
    kept_body: Option<String>,
}

/// Renders the post's body when the update changes it or the feature
/// image: the media a post uses come from both, so the body is rendered
/// with both as they will be (the stored one read for what the update
/// does not bring).
async fn render_for(
    state: &AppState,
    key: &PostKey,
    changes: &UpdatePostRequest,
) -> Result<Option<RenderedFor>, AppError> {
    let new_body = changes.markdown_to_render();
    let (markdown, feature, kept_body) = match (new_body, &changes.feature_image) {
        (None, None) => return Ok(None),
        (Some(markdown), Some(feature)) => (markdown, feature.clone(), None),
        (new_body, new_feature) => {
            let current = {
                let mut conn = state.conn().await?;
                posts::find(&mut conn, key, Visibility::All)
                    .await?
                    .ok_or(AppError::NotFound("post"))?
                    .0
            };
            let feature = match new_feature {
                Some(f) => f.clone(),
                None => current.seo.feature_image,
            };
            match new_body {
                Some(m) => (m, feature, None),
                None => (current.markdown.clone(), feature, Some(current.markdown)),
            }
        }
    };
    let rendered = super::media::render_post(state, markdown, feature.as_deref()).await?;
    Ok(Some(RenderedFor {
        rendered,
        feature_refs: scan_refs(feature.as_deref()),
        kept_body,
    }))
}
