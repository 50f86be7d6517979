//! Security headers on every response.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// HTML that Folio serves (post fragments and pages) may show images from
/// http(s) and inline `style` attributes (the sanitiser lets through only
/// `text-align` on table cells), and nothing may run: no scripts, no
/// frames, no forms, no plugins, no `<base>`.
pub const CONTENT_CSP: &str = "default-src 'none'; img-src http: https:; style-src-attr 'unsafe-inline'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/// The bundled API explorer needs its own scripts and styles, nothing else.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/// Everything else is data, never a document to render.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let docs = req.path().starts_with("/docs");
    let mut res = next.call(req).await?;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let csp = match (docs, is_html) {
        (true, _) => DOCS_CSP,
        (false, true) => CONTENT_CSP,
        (false, false) => API_CSP,
    };
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    Ok(res)
}
