//! HTTP caching for every `GET`, in one place: a strong `ETag` (a hash of
//! the exact response bytes, so it is right for lists, feeds and single
//! posts alike and identical across instances), `If-None-Match` → 304
//! without a body, `If-Modified-Since` against a handler's
//! `Last-Modified`, and a default `Cache-Control`: public with `max-age`
//! and `stale-while-revalidate` for anonymous requests, `private,
//! no-store` when an `Authorization` header was sent. Handlers that know
//! better set their own `Cache-Control`; it is kept.

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::state::AppState;

/// The strong entity tag of a body: 128 bits of its SHA-256, quoted.
pub fn etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Whether an `If-None-Match` value matches `etag` (weak comparison, as
/// RFC 9110 prescribes for this header).
pub fn none_match_hits(if_none_match: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    if_none_match.trim() == "*" || if_none_match.split(',').any(|t| bare(t) == bare(etag))
}

fn http_date(raw: Option<&HeaderValue>) -> Option<DateTime<Utc>> {
    let raw = raw?.to_str().ok()?;
    DateTime::parse_from_rfc2822(raw)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Formats a `Last-Modified` value (whole seconds, as HTTP dates are).
pub fn last_modified(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The validators a `GET` came with, read before the handler runs.
pub struct Conditions {
    if_none_match: Option<String>,
    if_modified_since: Option<DateTime<Utc>>,
}

impl Conditions {
    pub fn of(headers: &HeaderMap) -> Self {
        Self {
            if_none_match: headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            if_modified_since: http_date(headers.get(header::IF_MODIFIED_SINCE)),
        }
    }

    /// Whether a `200` with these headers may be answered `304`.
    pub fn not_modified(&self, response: &HeaderMap) -> bool {
        let etag = response.get(header::ETAG).and_then(|v| v.to_str().ok());
        match (&self.if_none_match, self.if_modified_since) {
            (Some(inm), _) => etag.is_some_and(|tag| none_match_hits(inm, tag)),
            // Only without If-None-Match, and only against a handler's own date.
            (None, Some(since)) => {
                http_date(response.get(header::LAST_MODIFIED)).is_some_and(|lm| lm <= since)
            }
            (None, None) => false,
        }
    }
}

/// A `304` for a `200` with these headers: the same validators and caching
/// headers, no body.
pub fn not_modified(headers: &HeaderMap) -> HttpResponse {
    let mut answer = HttpResponse::new(StatusCode::NOT_MODIFIED);
    for (name, value) in headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().append(name.clone(), value.clone());
        }
    }
    answer
}

/// Whether a request's `Accept` ranks Markdown above JSON: the one rule for
/// which representation of a post a client gets (and so which cache entry
/// it shares).
pub fn prefers_markdown(message: &impl actix_web::HttpMessage) -> bool {
    use actix_web::http::header::Header;
    let Ok(accept) = header::Accept::parse(message) else {
        return false;
    };
    let ranked = accept.ranked();
    let position = |essence: &str| ranked.iter().position(|m| m.essence_str() == essence);
    match (position("text/markdown"), position("application/json")) {
        (Some(md), Some(json)) => md < json,
        (Some(_), None) => true,
        _ => false,
    }
}

/// The default `Cache-Control` of a `GET`: public for anonymous readers,
/// never stored for anyone who sent a credential.
fn default_cache_control(req: &ServiceRequest) -> String {
    if req.headers().contains_key(header::AUTHORIZATION) {
        return "private, no-store".to_owned();
    }
    let (max_age, swr) = req.app_data::<web::Data<AppState>>().map_or((0, 0), |s| {
        (
            s.config.cache.max_age,
            s.config.cache.stale_while_revalidate,
        )
    });
    format!("public, max-age={max_age}, stale-while-revalidate={swr}")
}

/// Paths whose handlers stream files and answer their own validators
/// (`/media/…`): the caches must neither read nor store their bodies.
pub fn streams_itself(path: &str) -> bool {
    path.starts_with("/media/")
}

/// A stream of server-sent events: it never ends while the client listens,
/// so it must never be read whole, stored or validated.
pub fn is_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"))
}

pub async fn http_cache(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() != Method::GET || streams_itself(req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let conditions = Conditions::of(req.headers());
    let cache_control = default_cache_control(&req);

    let res = next.call(req).await?;
    if res.status() != StatusCode::OK || is_event_stream(res.headers()) {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    let bytes = to_bytes(body)
        .await
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.into().to_string()))?;
    let headers = head.headers_mut();
    // A handler's own ETag (a post's version, which `If-Match` checks on
    // writes) wins; otherwise the bytes name the representation.
    if !headers.contains_key(header::ETAG) {
        headers.insert(header::ETAG, HeaderValue::from_str(&etag(&bytes))?);
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_str(&cache_control)?,
        );
    }
    if conditions.not_modified(head.headers()) {
        return Ok(ServiceResponse::new(req, not_modified(head.headers())));
    }
    Ok(ServiceResponse::new(
        req,
        head.set_body(BoxBody::new(bytes)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_etag_is_strong_and_follows_the_bytes() {
        let a = etag(b"one");
        assert!(a.starts_with('"') && a.ends_with('"') && a.len() == 34);
        assert_eq!(a, etag(b"one"));
        assert_ne!(a, etag(b"two"));
    }

    #[test]
    fn if_none_match_accepts_lists_weak_tags_and_a_star() {
        let tag = etag(b"x");
        assert!(none_match_hits(&tag, &tag));
        assert!(none_match_hits(&format!("\"old\", W/{tag}"), &tag));
        assert!(none_match_hits("*", &tag));
        assert!(!none_match_hits("\"old\"", &tag));
    }

    #[test]
    fn last_modified_is_an_http_date_that_reads_back() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(last_modified(at), "Tue, 14 Nov 2023 22:13:20 GMT");
        let value = HeaderValue::from_str(&last_modified(at)).unwrap();
        assert_eq!(http_date(Some(&value)), Some(at));
    }
}
