//! The OpenAPI document at `/openapi.json`, for Swagger UI at `/docs/`
//! and for client generators.

use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, web};
use bytes::Bytes;

/// The document, serialised once at start-up and shared by every worker.
///
/// Held as bytes, not as a `serde_json::Value`: the value is ~3 MiB of
/// small allocations, and a copy per worker (as Swagger UI's own serving
/// kept) was a third of an idle instance's heap.
#[derive(Clone)]
pub struct Document(Bytes);

impl Document {
    pub fn new(spec: &utoipa::openapi::OpenApi) -> Self {
        let document = crate::openapi::document_of(spec);
        Self(Bytes::from(
            serde_json::to_vec(&document).unwrap_or_default(),
        ))
    }
}

/// `GET /openapi.json`: the document, as `cargo run -- openapi` prints it
/// (compact rather than pretty).
pub async fn openapi_json(document: web::Data<Document>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(document.0.clone())
}
