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
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut *de);
    // Without `end`, anything after the first value (`{…}garbage`, a second
    // document) was silently ignored and the request accepted.
    if parsed.is_ok() {
        de.end()
            .map_err(|e| AppError::BadRequest(format!("malformed JSON: {e}")))?;
    }
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
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = body.await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Login {
        #[allow(dead_code)]
        email: String,
    }

    #[test]
    fn refuses_anything_after_the_document() {
        for body in [
            r#"{"email": "a"}garbage"#,
            r#"{"email": "a"}{"email": "b"}"#,
            r#"{"email": "a"},"#,
        ] {
            let err = from_slice::<Login>(body.as_bytes()).unwrap_err();
            assert!(matches!(err, AppError::BadRequest(_)), "{body}: {err:?}");
        }
        assert!(from_slice::<Login>(br#" {"email": "a"} "#).is_ok());
    }
}
