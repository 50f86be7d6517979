//! The read cache in the request path. It sits just outside
//! [`crate::http_cache`], so what it stores is the finished `200` (ETag and
//! `Cache-Control` included), and it answers validators (`304`) itself.

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{Error, HttpResponse};

use crate::http_cache::{Conditions, not_modified};
use crate::middleware::metrics;
use crate::state::AppState;

/// Tells a reader (and a test) whether the cache answered.
const X_CACHE: HeaderName = HeaderName::from_static("x-cache");

pub async fn response_cache(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let cache = req
        .app_data::<web::Data<AppState>>()
        .and_then(|state| state.cache.clone());
    let Some(cache) = cache else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // Writes drop the cache in the gate (`middleware::gate`), which knows
    // which operations change content.
    if req.method() != Method::GET || crate::http_cache::streams_itself(req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    // Anyone with a credential may see drafts: never from the cache.
    if req.headers().contains_key(header::AUTHORIZATION) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }

    let key = cache_key(&req);
    let conditions = Conditions::of(req.headers());
    if let Some(hit) = cache.get(&key) {
        metrics::cache_lookup(true);
        let mut res = answer(&hit.headers, hit.body.clone(), &conditions);
        res.headers_mut()
            .insert(X_CACHE, HeaderValue::from_static("hit"));
        return Ok(req.into_response(res));
    }
    metrics::cache_lookup(false);
    // Taken before the database is read; see `ResponseCache`.
    let ticket = cache.ticket();
    // The handler makes the whole 200 (to store); the validators are
    // answered below.
    req.headers_mut().remove(header::IF_NONE_MATCH);
    req.headers_mut().remove(header::IF_MODIFIED_SINCE);

    let res = next.call(req).await?;
    if res.status() != StatusCode::OK || crate::http_cache::is_event_stream(res.headers()) {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.map_into_boxed_body().into_parts();
    let (head, body) = res.into_parts();
    let body = match body.try_into_bytes() {
        Ok(bytes) => bytes,
        Err(body) => to_bytes(body)
            .await
            .map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()))?,
    };
    let headers = head.headers();
    if !shared_cacheable(headers) {
        // Not a cache candidate (a probe, say): as the handler made it,
        // but with the validators that were held back answered.
        let mut res = answer(headers, body, &conditions);
        res.headers_mut().remove(X_CACHE);
        return Ok(ServiceResponse::new(req, res));
    }
    if let Some(ticket) = ticket {
        cache.put(ticket, key, headers.clone(), body.clone());
    }
    let mut res = answer(headers, body, &conditions);
    res.headers_mut()
        .insert(X_CACHE, HeaderValue::from_static("miss"));
    Ok(ServiceResponse::new(req, res))
}

/// The request's identity for the cache: its path, its query parameters
/// in a fixed order, and the representation `Accept` chooses (a post comes
/// as JSON or Markdown by it). Everything else that varies (credentials) is
/// not cached at all.
///
/// Normalised so that a client cannot multiply one answer into many
/// entries: by reordering parameters, or by sending a thousand spellings
/// of `Accept` (unknown parameters are refused before this, by the gate).
fn cache_key(req: &ServiceRequest) -> String {
    let mut params: Vec<&str> = req
        .query_string()
        .split('&')
        .filter(|p| !p.is_empty())
        .collect();
    params.sort_unstable();
    let representation = if crate::http_cache::prefers_markdown(req) {
        "markdown"
    } else {
        "default"
    };
    format!("{}?{}\n{representation}", req.path(), params.join("&"))
}

/// What a shared HTTP cache may store may be stored here too: `public`,
/// and nothing that forbids storing.
fn shared_cacheable(headers: &HeaderMap) -> bool {
    headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|cc| {
            let directives = || cc.split(',').map(str::trim);
            directives().any(|d| d.eq_ignore_ascii_case("public"))
                && !directives().any(|d| {
                    d.eq_ignore_ascii_case("no-store")
                        || d.eq_ignore_ascii_case("private")
                        || d.eq_ignore_ascii_case("no-cache")
                })
        })
}

/// The stored (or just made) `200`, or a `304` when the validators match.
fn answer(headers: &HeaderMap, body: Bytes, conditions: &Conditions) -> HttpResponse {
    if conditions.not_modified(headers) {
        return not_modified(headers);
    }
    let mut res = HttpResponse::with_body(StatusCode::OK, body).map_into_boxed_body();
    *res.headers_mut() = headers.clone();
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cache_control: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_str(cache_control).unwrap(),
        );
        h
    }

    #[test]
    fn only_what_a_shared_cache_may_store_is_stored() {
        assert!(shared_cacheable(&headers(
            "public, max-age=60, stale-while-revalidate=300"
        )));
        assert!(!shared_cacheable(&headers("private, no-store")));
        assert!(!shared_cacheable(&headers("no-store")));
        assert!(!shared_cacheable(&headers("public, no-cache")));
        assert!(!shared_cacheable(&HeaderMap::new()));
    }
}
