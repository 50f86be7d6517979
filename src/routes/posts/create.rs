use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, post, web};
use chrono::Utc;

use super::dto::PostResponse;
use crate::auth::Caller;
use crate::domain::post::file::{self as markdown_file, MarkdownFile};
use crate::domain::post::{CreatePostRequest, PostInput, lifecycle, write};
use crate::error::{AppError, Problem};
use crate::routes::json::{self, TimedBytes};
use crate::state::AppState;

/// Create a post from JSON or from a Markdown file with YAML front matter.
///
/// Send JSON (`Content-Type: application/json`), or a whole Markdown file
/// (`Content-Type: text/markdown`) whose front matter carries `title`,
/// `slug`, `date`, `tags`, `draft`, `description`; every other key is kept
/// in `metadata`. A file with a `date` and no `draft: true` is published.
///
/// Or send `multipart/form-data`: the Markdown file (a part named
/// `markdown`) and the images it refers to by filename, at most 50. The
/// images are stored in the media library and the references rewritten to
/// their `/media/` paths before the post is created; images stored before
/// a refusal stay in the library, unused.
#[utoipa::path(
    tag = "posts",
    request_body(content(
        (CreatePostRequest = "application/json"),
        (MarkdownFile = "text/markdown", example = "---\ntitle: \"Hello\"\n---\n\n# Hello\n\nMy first post.\n"),
        (super::multipart::MarkdownWithImages = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "Created", body = PostResponse,
            headers(("Location" = String, description = "The new post's URL"),
                ("ETag" = String, description = "The post's strong entity tag, for If-Match")),
            links(
                ("GetPost" = (operation_id = "get_post", parameters(("id_or_slug" = "$response.body#/id")))),
                ("GetPostHtml" = (operation_id = "get_post_html", parameters(("id_or_slug" = "$response.body#/id")))),
                ("UpdatePost" = (operation_id = "update_post", parameters(("id_or_slug" = "$response.body#/id")))),
                ("DeletePost" = (operation_id = "delete_post", parameters(("id_or_slug" = "$response.body#/id")))),
            )),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to publish, schedule or archive, or an API key without `posts:write`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON, Markdown nor multipart, or an image of a type not accepted", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/posts")]
pub async fn create_post(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: TimedBytes,
) -> Result<HttpResponse, AppError> {
    let TimedBytes(body) = body;
    let multipart = req
        .mime_type()
        .ok()
        .flatten()
        .is_some_and(|m| m.type_() == "multipart" && m.subtype() == "form-data");
    let input = if multipart {
        super::multipart::input(&state, &caller, &req, body).await?
    } else {
        parse_body(&state, &req, &body)?
    };
    // Before rendering: a status the caller may not set costs no render.
    lifecycle::check_new(&caller, input.status, input.published_at, Utc::now())?;
    let rendered = super::media::render_post(
        &state,
        input.markdown().to_owned(),
        input.seo.feature_image.as_deref(),
    )
    .await?;
    let mut conn = state.conn().await?;
    let keep = state.config.site.revisions_keep;
    let (created, author) = write::create_post(&mut conn, &caller, input, rendered, keep).await?;
    let location = state
        .config
        .public_link(&format!("/api/v1/posts/{}", created.id));
    // A new post changes the collections; no cached single read named it.
    let touched = [created.id.to_string(), created.slug.to_string()];
    let mut res = HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header(super::preconditions::etag_header(&created))
        .json(PostResponse::new(created, author));
    crate::cache::Touched::record(&mut res, touched);
    Ok(res)
}

pub(super) fn parse_body(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
) -> Result<PostInput, AppError> {
    let mime = req
        .mime_type()
        .map_err(|_| AppError::UnsupportedMediaType("malformed Content-Type".into()))?;
    let essence = mime
        .as_ref()
        .map(|m| (m.type_().as_str(), m.subtype().as_str()));
    match essence {
        _ if json::is_json(req) => {
            if body.len() > state.config.limits.max_json_bytes {
                return Err(too_large(state.config.limits.max_json_bytes));
            }
            let req: CreatePostRequest = json::from_slice(body)?;
            PostInput::from_request(req)
        }
        Some(("text", "markdown" | "x-markdown")) => {
            if body.len() > state.config.limits.max_markdown_bytes {
                return Err(too_large(state.config.limits.max_markdown_bytes));
            }
            let text = std::str::from_utf8(body)
                .map_err(|_| AppError::BadRequest("the Markdown file is not valid UTF-8".into()))?;
            markdown_file::parse(text)
        }
        _ => Err(AppError::UnsupportedMediaType(
            "send application/json or text/markdown".into(),
        )),
    }
}

fn too_large(limit: usize) -> AppError {
    AppError::PayloadTooLarge(format!("the body is larger than {limit} bytes"))
}
