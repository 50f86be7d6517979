//! `POST /api/v1/render`: live preview for editors.

use actix_web::{HttpMessage, HttpRequest, post, web};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::domain::Markdown;
use crate::error::{AppError, Problem};
use crate::render::{TocEntry, front_matter};
use crate::routes::json;
use crate::state::AppState;

/// A document to preview.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"markdown": "---\ntitle: Draft\n---\n\n## Hello\n\nA *first* look."}))]
pub struct RenderRequest {
    /// Markdown, optionally starting with YAML front matter (at most 64 KiB,
    /// no anchors or aliases): any text but NUL, within the Markdown limit
    /// (`FOLIO_MAX_MARKDOWN_BYTES`, 1 MiB by default).
    #[schema(max_length = 1048576, pattern = r"^[^\u0000]*$")]
    pub markdown: String,
}

/// What a stored post with this body would carry.
#[derive(Debug, Serialize, ToSchema)]
pub struct RenderResponse {
    /// The sanitised HTML fragment, exactly as a post would store it.
    pub html: String,
    /// The headings in order; each `id` is an anchor in `html`.
    pub toc: Vec<TocEntry>,
    /// The front matter's `excerpt` or `description`, else cut from the text.
    pub excerpt: String,
    /// Minutes to read, rounded up.
    #[schema(format = Int64, minimum = 0)]
    pub reading_time: usize,
    /// Words in the text (code blocks excluded).
    #[schema(format = Int64, minimum = 0)]
    pub word_count: usize,
    /// The text without markup.
    pub plain_text: String,
    /// The parsed front matter; null when the document has none.
    #[schema(value_type = Option<Object>)]
    pub front_matter: Option<Map<String, Value>>,
}

/// Render Markdown without storing it (live preview).
///
/// Send a whole document as `text/markdown`, or JSON `{"markdown": …}`;
/// front matter is allowed in both and comes back parsed. Nothing is
/// stored. Bodies are limited like post bodies (`FOLIO_MAX_MARKDOWN_BYTES`,
/// `FOLIO_MAX_JSON_BYTES`).
#[utoipa::path(
    tag = "render",
    request_body(content(
        (RenderRequest = "application/json"),
        // Any text is Markdown (the schema says so: nothing sent as
        // text/markdown can be malformed).
        (serde_json::Value = "text/markdown", example = "---\ntitle: Draft\n---\n\n## Hello\n\nA *first* look.\n"),
    )),
    responses(
        (status = 200, description = "The rendered document", body = RenderResponse),
        (status = 400, description = "Malformed JSON, or Markdown that is not UTF-8", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor Markdown", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid front matter or fields", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/render")]
pub async fn render_preview(
    state: web::Data<AppState>,
    _caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<web::Json<RenderResponse>, AppError> {
    let source = document(&state, &req, &body)?;
    let doc = front_matter::split(&source).map_err(|e| AppError::invalid("front_matter", e))?;
    let front_matter = doc
        .front_matter
        .map(|_| doc.fields())
        .transpose()
        .map_err(|e| AppError::invalid("front_matter", e))?;
    let custom_excerpt = front_matter.as_ref().and_then(|fm| {
        match fm.get("excerpt").or_else(|| fm.get("description")) {
            Some(Value::String(e)) if !e.trim().is_empty() => Some(e.trim().to_owned()),
            _ => None,
        }
    });
    let rendered =
        crate::routes::posts::media::render_post(&state, doc.body.to_owned(), None).await?;
    Ok(web::Json(RenderResponse {
        excerpt: custom_excerpt.unwrap_or_else(|| rendered.excerpt()),
        html: rendered.html.into_inner(),
        toc: rendered.toc,
        reading_time: rendered.reading_time,
        word_count: rendered.word_count,
        plain_text: rendered.plain_text,
        front_matter,
    }))
}

/// The Markdown document in the body, whichever way it was sent.
fn document(state: &AppState, req: &HttpRequest, body: &[u8]) -> Result<String, AppError> {
    let too_large =
        |limit: usize| AppError::PayloadTooLarge(format!("the body is larger than {limit} bytes"));
    if json::is_json(req) {
        if body.len() > state.config.limits.max_json_bytes {
            return Err(too_large(state.config.limits.max_json_bytes));
        }
        let parsed: RenderRequest = json::from_slice(body)?;
        if parsed.markdown.len() > state.config.limits.max_markdown_bytes {
            return Err(too_large(state.config.limits.max_markdown_bytes));
        }
        // What a post may hold is what a preview may: no NUL.
        return Markdown::parse(parsed.markdown)
            .map(Markdown::into_inner)
            .map_err(|e| AppError::invalid("markdown", e));
    }
    let mime = req
        .mime_type()
        .map_err(|_| AppError::UnsupportedMediaType("malformed Content-Type".into()))?;
    match mime
        .as_ref()
        .map(|m| (m.type_().as_str(), m.subtype().as_str()))
    {
        Some(("text", "markdown" | "x-markdown")) => {
            if body.len() > state.config.limits.max_markdown_bytes {
                return Err(too_large(state.config.limits.max_markdown_bytes));
            }
            String::from_utf8(body.to_vec())
                .map_err(|_| AppError::BadRequest("the Markdown is not valid UTF-8".into()))
        }
        _ => Err(AppError::UnsupportedMediaType(
            "send application/json or text/markdown".into(),
        )),
    }
}
