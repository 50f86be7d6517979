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
    // Serde fills a struct from an array too (`["title", "body"]`, and `[]`
    // as an empty PATCH): only an object is a request body.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        well_formed(body)?;
        return Err(AppError::invalid("body", "must be a JSON object"));
    }
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
        let message = match inner.classify() {
            Category::Data => inner.to_string(),
            // serde_json reports some type errors as syntax (`"status": 1`
            // for an enum is "expected value"): when the document itself is
            // well-formed, the fault is the field's.
            Category::Syntax | Category::Eof | Category::Io => {
                if let Err(malformed) = well_formed(body) {
                    return malformed;
                }
                format!("has the wrong type or value ({inner})")
            }
        };
        let field = if path == "." {
            // Missing and unknown fields are reported at the parent;
            // serde names them in backticks.
            message.split('`').nth(1).unwrap_or("body").to_owned()
        } else {
            path
        };
        AppError::invalid(field, message)
    })
}

/// A 400 unless `body` is one well-formed JSON document. (Into a `Value`:
/// `IgnoredAny` skips without checking UTF-8, number ranges or depth. Only
/// failing requests pay for this second parse.)
fn well_formed(body: &[u8]) -> Result<(), AppError> {
    serde_json::from_slice::<serde_json::Value>(body)
        .map(drop)
        .map_err(|e| AppError::BadRequest(format!("malformed JSON: {e}")))
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
                s.config.limits.body_timeout
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

/// Reads a body of up to `limit` bytes (413 beyond, at once when
/// `Content-Length` says so) within `timeout` (408), for the operation
/// whose limit is not the app-wide one.
pub async fn read_limited(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
    timeout: std::time::Duration,
) -> Result<web::Bytes, AppError> {
    use futures_util::StreamExt;
    let too_large = || AppError::PayloadTooLarge(format!("the body is larger than {limit} bytes"));
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let read = async {
        let mut body = web::BytesMut::with_capacity(declared.unwrap_or(0));
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| AppError::BadRequest(format!("unreadable body: {e}")))?;
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    tokio::time::timeout(timeout, read)
        .await
        .map_err(|_| AppError::RequestTimeout)?
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
            .map_or(usize::MAX, |s| s.config.limits.max_json_bytes);
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

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Update {
        #[serde(default)]
        #[allow(dead_code)]
        status: Option<crate::domain::PostStatus>,
    }

    fn field(err: AppError) -> String {
        match err {
            AppError::Validation(fields) => fields[0].field.clone(),
            other => panic!("not a 422: {other:?}"),
        }
    }

    #[test]
    fn takes_only_an_object_as_a_body() {
        for body in ["[]", r#"["a"]"#, "1", r#""a""#, "null", "true"] {
            assert_eq!(
                field(from_slice::<Update>(body.as_bytes()).unwrap_err()),
                "body"
            );
        }
        for body in ["", "[", "nul", "\u{feff}{}", "[[[[1]]]"] {
            let err = from_slice::<Update>(body.as_bytes()).unwrap_err();
            assert!(matches!(err, AppError::BadRequest(_)), "{body}: {err:?}");
        }
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(
            from_slice::<Update>(deep.as_bytes()),
            Err(AppError::BadRequest(_))
        ));
        let not_utf8 = from_slice::<Update>(b"{\"status\": \"\xff\"}").unwrap_err();
        assert!(matches!(not_utf8, AppError::BadRequest(_)), "{not_utf8:?}");
    }

    #[test]
    fn a_wrong_type_in_a_well_formed_body_names_the_field() {
        for body in [
            r#"{"status": 1}"#,
            r#"{"status": []}"#,
            r#"{"status": "x"}"#,
        ] {
            assert_eq!(
                field(from_slice::<Update>(body.as_bytes()).unwrap_err()),
                "status"
            );
        }
        let err = from_slice::<Update>(br#"{"status": 1"#).unwrap_err();
        assert!(matches!(err, AppError::BadRequest(_)), "{err:?}");
    }
}
