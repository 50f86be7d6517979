use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, Problem};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the answer is 200.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness: the process is up and answering HTTP.
///
/// Never touches the database, so an orchestrator does not restart Folio
/// because PostgreSQL is briefly away. Probes must never see a cached
/// answer, hence `no-store`.
#[utoipa::path(tag = "health", responses((status = 200, description = "The process is alive", body = Health)))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Health { status: "ok" })
}

/// Readiness: the database answers, so requests can be served.
///
/// The database is asked at most once a second per instance, however often
/// this is called: probes are not rate-limited, so they must not be a way
/// to hammer PostgreSQL.
#[utoipa::path(tag = "health", responses(
    (status = 200, description = "Ready to serve", body = Health),
    (status = 503, description = "The database does not answer", body = Problem, content_type = "application/problem+json"),
))]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    if state.is_prepared() && state.readiness.check(&state.pool).await {
        Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(Health { status: "ok" }))
    } else {
        Err(AppError::Unavailable)
    }
}

/// Prometheus metrics for this instance.
///
/// Requests by route and status, latency histograms, database pool usage
/// and database errors, in the Prometheus text format. Expose it to your
/// scraper only (e.g. block `/metrics` at the public proxy).
#[utoipa::path(tag = "health", responses(
    (status = 200, description = "Metrics in the Prometheus text format", body = String, content_type = "text/plain"),
))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        // Each scrape must see the counters of that moment.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(crate::middleware::metrics::render(
            &state.pool,
            state.cache.as_deref(),
        ))
}
