//! `/media/…`: the stored files, streamed from the object store.
//!
//! Every file is immutable (its URL names its content's hash), so each
//! answer carries `Cache-Control: public, max-age=31536000, immutable` and
//! a strong ETag derived from the hash, answers `If-None-Match` with 304,
//! and a single `Range` with 206 (or 416). `HEAD` answers the same headers
//! without touching the store. A planned variant not made yet redirects
//! (307, not cached) to the original, so `srcset` is valid at once. These
//! paths bypass the response cache and the generic ETag middleware, which
//! would read the whole body.

use actix_web::body::SizedStream;
use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::db::media as db;
use crate::error::{AppError, Problem, problem_response};
use crate::http_cache::none_match_hits;
use crate::media::store::{original_key, variant_key};
use crate::media::{MediaPath, original_path, variants};
use crate::state::AppState;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// An original image, as stored (metadata stripped).
///
/// `HEAD` answers the same headers. Supports `Range` (one range) and
/// `If-None-Match`.
#[utoipa::path(
    tag = "media",
    params(("file" = String, Path, description = "`{sha256}.{ext}`: the hash of the stored bytes and the type's extension",
        pattern = r"^[0-9a-f]{64}\.(png|jpg|gif|webp|avif)$")),
    responses(
        (status = 200, description = "The image",
            content(
                (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/gif"),
                (Vec<u8> = "image/webp"), (Vec<u8> = "image/avif"),
            ),
            headers(("ETag" = String), ("Cache-Control" = String), ("Accept-Ranges" = String))),
        (status = 206, description = "The requested range", body = Vec<u8>, content_type = "application/octet-stream",
            headers(("Content-Range" = String))),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "An unknown query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such file", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "The range is outside the file", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database or the store is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/media/{file}")]
pub async fn get_media_file(
    state: web::Data<AppState>,
    req: HttpRequest,
    file: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    serve_original(&state, &req, &file).await
}

async fn serve_original(
    state: &AppState,
    req: &HttpRequest,
    file: &str,
) -> Result<HttpResponse, AppError> {
    let Some(MediaPath::Original { sha256, ext }) = MediaPath::parse(&format!("/media/{file}"))
    else {
        return Err(AppError::NotFound("media file"));
    };
    let mut conn = state.conn().await?;
    let item = db::find_by_sha256(&mut conn, &sha256)
        .await?
        .filter(|m| m.ext == ext)
        .ok_or(AppError::NotFound("media file"))?;
    drop(conn);
    let object = Object {
        key: original_key(&item.sha256, &item.ext),
        content_type: item.content_type,
        size: item.bytes as u64,
        etag: format!("\"{}\"", item.sha256),
    };
    serve(state, req, object).await
}

/// A responsive variant of an image.
///
/// Only planned widths exist (`variants` of the item); a planned one not
/// made yet redirects (307, `Cache-Control: no-store`) to the original.
/// `HEAD` answers the same headers. Supports `Range` and `If-None-Match`.
#[utoipa::path(
    tag = "media",
    params(
        ("sha256" = String, Path, description = "The hash of the original", pattern = "^[0-9a-f]{64}$"),
        ("variant" = String, Path, description = "`{width}w.{format}`, e.g. `640w.webp`", pattern = r"^[1-9][0-9]*w\.(webp|jpeg|png)$"),
    ),
    responses(
        (status = 200, description = "The variant",
            content((Vec<u8> = "image/webp"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png")),
            headers(("ETag" = String), ("Cache-Control" = String), ("Accept-Ranges" = String))),
        (status = 206, description = "The requested range", body = Vec<u8>, content_type = "application/octet-stream",
            headers(("Content-Range" = String))),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 307, description = "Planned but not made yet: the original",
            headers(("Location" = String), ("Cache-Control" = String))),
        (status = 400, description = "An unknown query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such image, or no such variant of it", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "The range is outside the file", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database or the store is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/media/{sha256}/{variant}")]
pub async fn get_media_variant(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (sha256, variant) = path.into_inner();
    serve_variant(&state, &req, &sha256, &variant).await
}

async fn serve_variant(
    state: &AppState,
    req: &HttpRequest,
    sha256: &str,
    variant: &str,
) -> Result<HttpResponse, AppError> {
    let Some(MediaPath::Variant {
        sha256,
        width,
        format,
    }) = MediaPath::parse(&format!("/media/{sha256}/{variant}"))
    else {
        return Err(AppError::NotFound("media file"));
    };
    let width = i32::try_from(width).map_err(|_| AppError::NotFound("media file"))?;
    let mut conn = state.conn().await?;
    let (item, variant) = db::find_variant(&mut conn, &sha256, width, &format)
        .await?
        .ok_or(AppError::NotFound("media file"))?;
    drop(conn);
    if !variant.is_ready() {
        return Ok(HttpResponse::TemporaryRedirect()
            .insert_header((
                header::LOCATION,
                state
                    .config
                    .public_link(&original_path(&item.sha256, &item.ext)),
            ))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish());
    }
    let object = Object {
        key: variant_key(&item.sha256, width, &format),
        content_type: variants::content_type(&format).to_owned(),
        size: variant.bytes.unwrap_or_default() as u64,
        etag: format!("\"{}-{width}w-{format}\"", item.sha256),
    };
    serve(state, req, object).await
}

/// `HEAD` of the same paths (actix routes it separately; the OpenAPI
/// document describes it with the `GET`s).
pub fn head_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/media/{file}")
            .guard(actix_web::guard::Head())
            .to(
                |state: web::Data<AppState>, req: HttpRequest, file: web::Path<String>| async move {
                    serve_original(&state, &req, &file).await
                },
            ),
    )
    .service(
        web::resource("/media/{sha256}/{variant}")
            .guard(actix_web::guard::Head())
            .to(
                |state: web::Data<AppState>,
                 req: HttpRequest,
                 path: web::Path<(String, String)>| async move {
                    let (sha256, variant) = path.into_inner();
                    serve_variant(&state, &req, &sha256, &variant).await
                },
            ),
    );
}

struct Object {
    key: object_store::path::Path,
    content_type: String,
    size: u64,
    etag: String,
}

/// What a `Range` header asks of a file of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
enum Wanted {
    All,
    Part(std::ops::Range<u64>),
    Unsatisfiable,
}

/// One `bytes=` range; anything else (several ranges, other units, a
/// malformed header) is answered with the whole file, as RFC 9110 allows.
fn wanted(range: Option<&str>, size: u64) -> Wanted {
    let Some(spec) = range.and_then(|r| r.trim().strip_prefix("bytes=")) else {
        return Wanted::All;
    };
    if spec.contains(',') {
        return Wanted::All;
    }
    let Some((start, end)) = spec.trim().split_once('-') else {
        return Wanted::All;
    };
    let (start, end) = (start.trim(), end.trim());
    let parsed = match (start.parse::<u64>(), end.parse::<u64>()) {
        (Ok(s), Ok(e)) if s <= e => Some((s, e.saturating_add(1).min(size))),
        (Ok(_), Ok(_)) => return Wanted::All,
        (Ok(s), Err(_)) if end.is_empty() => Some((s, size)),
        (Err(_), Ok(n)) if start.is_empty() => {
            if n == 0 {
                return Wanted::Unsatisfiable;
            }
            Some((size.saturating_sub(n), size))
        }
        _ => None,
    };
    match parsed {
        None => Wanted::All,
        Some((s, _)) if s >= size => Wanted::Unsatisfiable,
        Some((s, e)) => Wanted::Part(s..e),
    }
}

async fn serve(
    state: &AppState,
    req: &HttpRequest,
    object: Object,
) -> Result<HttpResponse, AppError> {
    let headers = req.headers();
    let mut res = HttpResponse::build(StatusCode::OK);
    res.insert_header((header::ETAG, object.etag.clone()))
        .insert_header((header::CACHE_CONTROL, IMMUTABLE))
        .insert_header((header::ACCEPT_RANGES, "bytes"));
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        && none_match_hits(inm, &object.etag)
    {
        return Ok(res.status(StatusCode::NOT_MODIFIED).finish());
    }
    // A range of another version of the file is no range of this one.
    let if_range_holds = headers
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.trim() == object.etag);
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .filter(|_| if_range_holds);
    let part = match wanted(range, object.size) {
        Wanted::All => None,
        Wanted::Part(r) => Some(r),
        Wanted::Unsatisfiable => {
            let mut refused = problem_response(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "about:blank",
                format!("the file has {} bytes", object.size),
                Vec::new(),
            );
            refused.headers_mut().insert(
                header::CONTENT_RANGE,
                header::HeaderValue::from_str(&format!("bytes */{}", object.size))
                    .map_err(|e| AppError::Internal(e.into()))?,
            );
            return Ok(refused);
        }
    };
    res.content_type(object.content_type.as_str());
    let len = match &part {
        Some(r) => {
            res.status(StatusCode::PARTIAL_CONTENT).insert_header((
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{}", r.start, r.end - 1, object.size),
            ));
            r.end - r.start
        }
        None => object.size,
    };
    if req.method() == Method::HEAD {
        return Ok(res.body(SizedStream::new(
            len,
            futures_util::stream::empty::<Result<bytes::Bytes, std::io::Error>>(),
        )));
    }
    let range = part.or(Some(0..object.size)).filter(|r| r.end > r.start);
    let stream = match range {
        Some(r) => state.media.store.stream(&object.key, Some(r)).await,
        None => Ok(futures_util::StreamExt::boxed(futures_util::stream::empty())),
    }
    .map_err(|e| match e {
        object_store::Error::NotFound { .. } => AppError::NotFound("media file"),
        other => {
            tracing::warn!(error = %other, "media: the store failed");
            AppError::Unavailable
        }
    })?;
    Ok(res.body(SizedStream::new(len, stream)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(wanted(None, 100), Wanted::All);
        assert_eq!(wanted(Some("bytes=0-9"), 100), Wanted::Part(0..10));
        assert_eq!(wanted(Some("bytes=90-"), 100), Wanted::Part(90..100));
        assert_eq!(wanted(Some("bytes=-10"), 100), Wanted::Part(90..100));
        assert_eq!(wanted(Some("bytes=-1000"), 100), Wanted::Part(0..100));
        assert_eq!(wanted(Some("bytes=50-1000"), 100), Wanted::Part(50..100));
        assert_eq!(wanted(Some("bytes=100-"), 100), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=-0"), 100), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=0-1,5-6"), 100), Wanted::All);
        assert_eq!(wanted(Some("items=0-1"), 100), Wanted::All);
        assert_eq!(wanted(Some("bytes=9-1"), 100), Wanted::All);
    }
}
