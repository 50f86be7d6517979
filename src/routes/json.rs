//! Extractor configuration: body limits, and problem+json for every way a
//! request can fail to parse (actix answers these in plain text otherwise).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::QueryPayloadError;
use actix_web::web::{self, PathConfig, QueryConfig};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::state::AppState;

/// Malformed JSON is a 400; well-formed JSON with wrong or missing fields
/// is a 422 naming the field (`status`, `tags[2]`, …).
pub fn from_slice<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    use serde_json::error::Category;
    let de = &mut serde_json::Deserializer::from_slice(body);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(de);
    parsed.map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            Category::Data => {
                let field = if path == "." {
                    // Missing and unknown fields are reported at the parent;
                    // serde names them in backticks.
                    inner
                        .to_string()
                        .split('`')
                        .nth(1)
                        .unwrap_or("body")
                        .to_owned()
                } else {
                    path
                };
                AppError::invalid(field, inner.to_string())
            }
            Category::Syntax | Category::Eof | Category::Io => {
                AppError::BadRequest(format!("malformed JSON: {inner}"))
            }
        }
    })
}

/// Whether the request says its body is JSON (`application/json` or any
/// `application/*+json`).
pub fn is_json(req: &HttpRequest) -> bool {
    match req.mime_type() {
        Ok(Some(mime)) => {
            mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
        }
        _ => false,
    }
}

/// The raw request body, read within `FOLIO_BODY_TIMEOUT_SECS` (408
/// otherwise) and the body limit (413), so a slow or huge upload cannot
/// hold a connection or memory.
pub struct TimedBytes(pub web::Bytes);

impl FromRequest for TimedBytes {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let timeout = req
            .app_data::<web::Data<AppState>>()
            .map_or(std::time::Duration::from_secs(30), |s| {
                s.config.body_timeout
            });
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            match tokio::time::timeout(timeout, body).await {
                Ok(body) => Ok(Self(body?)),
                Err(_) => Err(AppError::RequestTimeout.into()),
            }
        })
    }
}

/// A JSON request body. Unlike `web::Json`, every way it can fail is a
/// problem+json answer that names the offending field.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if !is_json(req) {
            return Box::pin(async {
                Err(AppError::UnsupportedMediaType("send application/json".into()).into())
            });
        }
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(usize::MAX, |s| s.config.max_json_bytes);
        let body = TimedBytes::from_request(req, payload);
        Box::pin(async move {
            let TimedBytes(body) = body.await?;
            if body.len() > limit {
                return Err(AppError::PayloadTooLarge(format!(
                    "the body is larger than {limit} bytes"
                ))
                .into());
            }
            Ok(Self(from_slice(&body)?))
        })
    }
}

pub fn query_config() -> QueryConfig {
    QueryConfig::default().error_handler(|err, _req| {
        let detail = match &err {
            QueryPayloadError::Deserialize(e) => format!("invalid query string: {e}"),
            other => other.to_string(),
        };
        AppError::BadRequest(detail).into()
    })
}

pub fn path_config() -> PathConfig {
    PathConfig::default().error_handler(|_err, _req| AppError::NotFound("resource").into())
}
