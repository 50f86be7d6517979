//! `POST /api/v1/posts` as `multipart/form-data`: one Markdown file (a
//! part named `markdown`, or any part whose filename ends in `.md`) and
//! the images it refers to, each a part with a filename. Each image is
//! stored in the media library (as `POST /api/v1/media` stores it) and the
//! references to its filename (`img.png`, `./img.png`) in the body,
//! `feature_image` and `og_image` are rewritten to its `/media/` path
//! before the post is created.
//!
//! Bounded: the whole body is within the app's body limit, at most
//! [`MAX_PARTS`] parts, each image within `FOLIO_MEDIA_MAX_BYTES`. The post
//! is all or nothing; images stored before a later refusal (an invalid
//! image, a taken slug) stay in the library unused, where `?unused=true`
//! lists them.

use actix_web::HttpRequest;
use actix_web::web::Bytes;
use futures_util::TryStreamExt;

use crate::auth::Caller;
use crate::cli::import::images::body_references;
use crate::domain::Markdown;
use crate::domain::post::PostInput;
use crate::domain::post::file as markdown_file;
use crate::error::AppError;
use crate::routes::media::fields::Described;
use crate::routes::media::upload;
use crate::state::AppState;

/// The Markdown file and up to 50 images.
pub const MAX_PARTS: usize = 51;

/// Reads the parts, stores the images and returns the post to create.
pub async fn input(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    body: Bytes,
) -> Result<PostInput, AppError> {
    let stream =
        futures_util::stream::once(async move { Ok::<_, actix_web::error::PayloadError>(body) });
    let mut multipart = actix_multipart::Multipart::new(req.headers(), stream);
    let bad = |e: actix_multipart::MultipartError| {
        AppError::BadRequest(format!("malformed multipart body: {e}"))
    };
    let mut markdown: Option<Vec<u8>> = None;
    let mut images: Vec<(String, Vec<u8>)> = Vec::new();
    let mut parts = 0;
    while let Some(mut field) = multipart.try_next().await.map_err(bad)? {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(AppError::PayloadTooLarge(format!(
                "at most {MAX_PARTS} parts: one Markdown file and its images"
            )));
        }
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.try_next().await.map_err(bad)? {
            bytes.extend_from_slice(&chunk);
        }
        let is_markdown = name == "markdown"
            || filename
                .as_deref()
                .is_some_and(|f| f.ends_with(".md") || f.ends_with(".markdown"));
        match (is_markdown, filename) {
            (true, _) if markdown.is_some() => {
                return Err(AppError::invalid("markdown", "send one Markdown file"));
            }
            (true, _) => markdown = Some(bytes),
            (false, Some(filename)) if !filename.is_empty() => images.push((filename, bytes)),
            _ => {
                return Err(AppError::invalid(
                    &name,
                    "is neither the Markdown file nor an image with a filename",
                ));
            }
        }
    }
    let markdown = markdown
        .ok_or_else(|| AppError::invalid("markdown", "is missing (a part named `markdown`)"))?;
    let limit = state.config.limits.max_markdown_bytes;
    if markdown.len() > limit {
        return Err(AppError::PayloadTooLarge(format!(
            "the Markdown file is larger than {limit} bytes"
        )));
    }
    let text = String::from_utf8(markdown)
        .map_err(|_| AppError::BadRequest("the Markdown file is not valid UTF-8".into()))?;
    let mut input = markdown_file::parse(&text)?;

    let mut stored: Vec<(String, String)> = Vec::new();
    for (filename, bytes) in images {
        let described = Described {
            filename: Some(filename.clone()),
            ..Described::default()
        };
        let (_, item) = upload::store(state, caller, bytes, described)
            .await
            .map_err(|e| match e {
                AppError::Validation(mut fields) => {
                    for f in &mut fields {
                        f.field = format!("{filename}: {}", f.field);
                    }
                    AppError::Validation(fields)
                }
                other => other,
            })?;
        let path = format!("/media/{}.{}", item.media.sha256, item.media.ext);
        stored.push((filename, path));
    }
    let media_path = |reference: &str| {
        let name = reference.trim().trim_start_matches("./");
        stored
            .iter()
            .find(|(filename, _)| filename == name)
            .map(|(_, path)| path.clone())
    };
    let body = input.markdown.as_str().to_owned();
    let mut rewritten = body.clone();
    for (range, reference) in body_references(&body).into_iter().rev() {
        if let Some(path) = media_path(&reference) {
            rewritten.replace_range(range, &path);
        }
    }
    if rewritten != body {
        input.markdown =
            Markdown::parse(rewritten).map_err(|e| AppError::invalid("markdown", e))?;
    }
    for field in [&mut input.seo.feature_image, &mut input.seo.og_image] {
        if let Some(path) = field.as_deref().and_then(media_path) {
            *field = Some(path);
        }
    }
    Ok(input)
}

/// A post as a Markdown file with the images it refers to.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct MarkdownWithImages {
    /// The Markdown file with its front matter (as `text/markdown` takes it).
    #[schema(schema_with = markdown_part)]
    markdown: Vec<u8>,
    /// The images, each a part with the filename the Markdown refers to
    /// (`![A cat](cat.png)` → a part with `filename="cat.png"`); at most 50.
    #[schema(schema_with = image_parts)]
    images: Vec<Vec<u8>>,
}

/// A file part: bytes, bounded by the settings named in `what`.
fn binary_part(what: &str) -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
        // The real bounds are settings (see the description); this is
        // their ceiling.
        .max_length(Some(1 << 30))
        .description(Some(what))
        .build()
}

fn markdown_part() -> utoipa::openapi::schema::Object {
    binary_part("The Markdown file, at most `FOLIO_MAX_MARKDOWN_BYTES`")
}

fn image_parts() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(binary_part("One image, at most `FOLIO_MEDIA_MAX_BYTES`"))
        .max_items(Some(MAX_PARTS - 1))
        .build()
}
