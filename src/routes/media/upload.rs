use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::dto::MediaResponse;
use super::fields::{self, Described};
use crate::auth::extractor::Caller;
use crate::db::media::{self as db, Media, Variant};
use crate::domain::problems::Problems;
use crate::error::{AppError, Problem};
use crate::media::ingest::{self, Refusal};
use crate::media::store::original_key;
use crate::media::variants;
use crate::state::AppState;

/// What an upload may say about the file (in the query of a raw upload,
/// or as form fields beside a multipart one).
#[derive(Debug, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name, kept for people (at most 255 characters). Its
    /// extension decides nothing: the type is read from the content.
    #[param(max_length = 255)]
    pub filename: Option<String>,
    /// Text for people who cannot see the image (at most 1,000 characters).
    #[param(max_length = 1000)]
    pub alt: Option<String>,
    /// At most 2,000 characters.
    #[param(max_length = 2000)]
    pub caption: Option<String>,
    /// The focal point's x, 0 (left) to 1 (right); with `focal_y`.
    #[param(minimum = 0.0, maximum = 1.0)]
    pub focal_x: Option<f32>,
    /// The focal point's y, 0 (top) to 1 (bottom); with `focal_x`.
    #[param(minimum = 0.0, maximum = 1.0)]
    pub focal_y: Option<f32>,
}

/// The bytes of an image (PNG, JPEG, GIF, WebP or AVIF), at most
/// `FOLIO_MEDIA_MAX_BYTES` (20 MiB by default).
pub struct ImageBytes;

impl utoipa::PartialSchema for ImageBytes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .max_length(Some(1 << 30))
            .description(Some(
                "The image's bytes: PNG, JPEG, GIF, WebP or AVIF, at most `FOLIO_MEDIA_MAX_BYTES`",
            ))
            .into()
    }
}

impl ToSchema for ImageBytes {}

/// A multipart upload: the file and, optionally, what is said about it.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MultipartUpload {
    #[schema(value_type = ImageBytes)]
    file: Vec<u8>,
    /// Overrides the file part's own file name.
    #[schema(max_length = 255)]
    filename: Option<String>,
    #[schema(max_length = 1000)]
    alt: Option<String>,
    #[schema(max_length = 2000)]
    caption: Option<String>,
    #[schema(minimum = 0.0, maximum = 1.0)]
    focal_x: Option<f32>,
    #[schema(minimum = 0.0, maximum = 1.0)]
    focal_y: Option<f32>,
}

/// Upload an image.
///
/// Send the file as the raw body (`Content-Type: image/…` or
/// `application/octet-stream`, with `?filename=` and the other fields in
/// the query), or as `multipart/form-data` with a `file` part and the
/// fields as parts. The type is read from the file's content (PNG, JPEG,
/// GIF, WebP, AVIF; SVG is refused), never from its name or
/// `Content-Type`; its dimensions are checked against the caps from its
/// header, before it is decoded. EXIF orientation is applied and
/// metadata (location included) is removed from what is stored.
///
/// The same bytes uploaded again answer `200` with the item already
/// stored (uploading is idempotent); new ones `201`. Responsive variants
/// are listed at once and made shortly after (`ready`).
#[utoipa::path(
    tag = "media",
    params(UploadQuery),
    request_body(
        description = "The image, raw or as multipart form data",
        content(
            (ImageBytes = "application/octet-stream"),
            (ImageBytes = "image/*"),
            (MultipartUpload = "multipart/form-data"),
        ),
    ),
    responses(
        (status = 200, description = "These bytes were stored already: that item", body = MediaResponse),
        (status = 201, description = "Stored", body = MediaResponse,
            headers(("Location" = String, description = "The new item's URL"))),
        (status = 400, description = "The body could not be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than `FOLIO_MEDIA_MAX_BYTES`", body = Problem, content_type = "application/problem+json"),
        (status = 414, description = "The URI is longer than Folio takes (8 KiB): long `alt` and `caption` texts go in a multipart body", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not an accepted image type (SVG included), or a body type other than raw or multipart", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Truncated or corrupt, too many pixels or too long a side, or invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/media")]
pub async fn upload_media(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let max = state.media.max_bytes;
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && len > max as u64 + 64 * 1024
    {
        return Err(too_large(max));
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_ascii_lowercase();
    let (file, described) = if content_type.starts_with("multipart/form-data") {
        if query.filename.is_some()
            || query.alt.is_some()
            || query.caption.is_some()
            || query.focal_x.is_some()
            || query.focal_y.is_some()
        {
            return Err(AppError::BadRequest(
                "a multipart upload carries its fields as parts, not in the query".into(),
            ));
        }
        read_multipart(req.headers(), payload, max).await?
    } else if content_type.starts_with("image/")
        || content_type.starts_with("application/octet-stream")
    {
        let file = read_capped(payload, max).await?;
        (file, fields::described(query.into_inner())?)
    } else {
        return Err(AppError::UnsupportedMediaType(
            "send the image as the raw body (image/… or application/octet-stream) or as multipart/form-data".into(),
        ));
    };
    let (status, item) = store(&state, &caller, file, described).await?;
    let base = state.config.public_link("");
    Ok(HttpResponse::build(status)
        .insert_header((
            header::LOCATION,
            state
                .config
                .public_link(&format!("/api/v1/media/{}", item.media.id)),
        ))
        .json(MediaResponse::new(item, &base)))
}

/// Checks, decodes and stores one uploaded image as `caller`: 201 and the
/// new item, or 200 and the item already stored with the same bytes. Also
/// used by `POST /api/v1/posts` with images (multipart).
pub async fn store(
    state: &AppState,
    caller: &Caller,
    file: Vec<u8>,
    described: Described,
) -> Result<(actix_web::http::StatusCode, db::MediaWithVariants), AppError> {
    if file.is_empty() {
        return Err(AppError::invalid("file", "is empty"));
    }

    let permit = state
        .media
        .decoding
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let caps = state.media.caps;
    let ingested = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        ingest::ingest(&file, caps)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?
    .map_err(|refusal| match refusal {
        Refusal::Unsupported(m) => AppError::UnsupportedMediaType(m),
        Refusal::Invalid(m) => AppError::invalid("file", m),
    })?;

    let mut conn = state.conn().await?;
    if let Some(existing) = db::find_by_sha256(&mut conn, &ingested.sha256).await? {
        let item = db::with_variants(&mut conn, vec![existing])
            .await?
            .remove(0);
        return Ok((actix_web::http::StatusCode::OK, item));
    }
    drop(conn);

    // The file first: a row never names a file that is not there. (A row
    // that fails to be written leaves a file that the same upload, retried,
    // simply writes again.)
    state
        .media
        .store
        .put(
            &original_key(&ingested.sha256, ingested.kind.ext()),
            Bytes::from(ingested.bytes.clone()),
        )
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("storing the upload: {e}")))?;

    let now = chrono::Utc::now();
    let item = Media {
        id: uuid::Uuid::now_v7(),
        sha256: ingested.sha256.clone(),
        content_type: ingested.kind.content_type().to_owned(),
        ext: ingested.kind.ext().to_owned(),
        bytes: ingested.bytes.len() as i64,
        width: ingested.width as i32,
        height: ingested.height as i32,
        alt: described.alt,
        caption: described.caption,
        focal_x: described.focal.map(|f| f.x),
        focal_y: described.focal.map(|f| f.y),
        placeholder: ingested.placeholder.clone(),
        original_filename: described.filename,
        uploaded_by: Some(caller.id),
        created_at: now,
        updated_at: now,
    };
    let planned: Vec<Variant> = if ingested.resizable {
        variants::plan(
            ingested.width,
            ingested.height,
            ingested.has_alpha,
            &state.media.widths,
        )
        .into_iter()
        .map(|p| Variant {
            media_id: item.id,
            width: p.width as i32,
            format: p.format.to_owned(),
            height: p.height as i32,
            bytes: None,
            status: "pending".into(),
        })
        .collect()
    } else {
        Vec::new()
    };
    let mut conn = state.conn().await?;
    let (status, stored) = match db::insert(&mut conn, &item, &planned).await? {
        Some(stored) => (actix_web::http::StatusCode::CREATED, stored),
        // Uploaded at the same moment by someone else.
        None => (
            actix_web::http::StatusCode::OK,
            db::find_by_sha256(&mut conn, &ingested.sha256)
                .await?
                .ok_or(AppError::Conflict(
                    "uploaded and deleted at once; try again".into(),
                ))?,
        ),
    };
    let item = db::with_variants(&mut conn, vec![stored]).await?.remove(0);
    if status == actix_web::http::StatusCode::CREATED {
        state.media.wake.notify_waiters();
    }
    Ok((status, item))
}

fn too_large(max: usize) -> AppError {
    AppError::PayloadTooLarge(format!("the file is larger than {max} bytes"))
}

/// Reads a body (or a part) of at most `max` bytes; a longer one is a 413
/// as soon as it passes the limit, without reading the rest.
async fn read_capped<E: std::fmt::Display>(
    stream: impl Stream<Item = Result<Bytes, E>>,
    max: usize,
) -> Result<Vec<u8>, AppError> {
    let mut stream = std::pin::pin!(stream);
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| AppError::BadRequest(format!("the body could not be read: {e}")))?;
        if out.len() + chunk.len() > max {
            return Err(too_large(max));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Most bytes of a text field in a multipart upload.
const MAX_FIELD_BYTES: usize = 8 * 1024;

async fn read_multipart(
    headers: &header::HeaderMap,
    payload: web::Payload,
    max: usize,
) -> Result<(Vec<u8>, Described), AppError> {
    let mut multipart = actix_multipart::Multipart::new(headers, payload);
    let mut file = None;
    let mut query = UploadQuery::default();
    let mut p = Problems::default();
    let bad = |e: actix_multipart::MultipartError| {
        AppError::BadRequest(format!("malformed multipart body: {e}"))
    };
    while let Some(field) = multipart.try_next().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            if file.is_some() {
                return Err(AppError::invalid("file", "send one file per upload"));
            }
            if query.filename.is_none() {
                query.filename = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .map(str::to_owned);
            }
            file = Some(read_capped(field, max).await?);
            continue;
        }
        let value = read_capped(field, MAX_FIELD_BYTES)
            .await
            .map_err(|e| match e {
                AppError::PayloadTooLarge(_) => {
                    AppError::invalid(&name, format!("must be at most {MAX_FIELD_BYTES} bytes"))
                }
                other => other,
            })?;
        let Ok(value) = String::from_utf8(value) else {
            p.push(&name, "must be UTF-8 text");
            continue;
        };
        let number = |p: &mut Problems, v: &str| p.check(&name, v.trim().parse::<f32>()).map(Some);
        match name.as_str() {
            "filename" => query.filename = Some(value),
            "alt" => query.alt = Some(value),
            "caption" => query.caption = Some(value),
            "focal_x" => query.focal_x = number(&mut p, &value).flatten(),
            "focal_y" => query.focal_y = number(&mut p, &value).flatten(),
            _ => p.push(&name, "is not a field of an upload"),
        }
    }
    p.finish()?;
    let file = file.ok_or_else(|| AppError::invalid("file", "is missing (a part named `file`)"))?;
    Ok((file, fields::described(query)?))
}
