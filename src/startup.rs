//! Building and running the server. `main` and the tests both come through
//! here, so the tests run exactly the app that ships.

use std::net::TcpListener;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::web::{self, PayloadConfig};
use actix_web::{App, HttpServer};
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::cache::middleware::response_cache;
use crate::config::Config;
use crate::error::problem_fallback;
use crate::http_cache::http_cache;
use crate::middleware::gate::gate;
use crate::middleware::limits::limits as size_limits;
use crate::middleware::observe::observe;
use crate::middleware::rate_limit::{RateLimits, rate_limit};
use crate::middleware::security_headers::security_headers;
use crate::routes::fallback::{RouteTable, not_found_or_method_not_allowed};
use crate::routes::json::{path_config, query_config};
use crate::routes::operations::Operations;
use crate::state::AppState;
use crate::{bootstrap, db, openapi, rerender, routes};

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Prepares the database (create, migrate, first admin) and binds the
    /// listener; the server starts when [`Application::run_until_stopped`]
    /// is awaited.
    ///
    /// When PostgreSQL is not reachable yet, Folio starts all the same: it
    /// answers 503 (and `/health/ready` 503) and keeps preparing the
    /// database in the background until it succeeds.
    pub async fn build(mut config: Config) -> anyhow::Result<Self> {
        // Fail closed: an operation the permission table forgot never runs.
        let spec = openapi::spec();
        let unlisted = Operations::from_openapi(&spec).unlisted();
        if !unlisted.is_empty() {
            anyhow::bail!(
                "operations without a row in the permission table: {}",
                unlisted.join(", ")
            );
        }
        let url = config.database.url.expose().clone();
        // Made now, so the first login for an unknown email is not slower
        // than the rest (which would tell that the email is unknown).
        tokio::task::spawn_blocking(|| {
            crate::auth::password::dummy_hash();
        })
        .await?;
        let pool = db::pool(&url, config.database.pool_size, config.database.timeout)?;

        let listener = TcpListener::bind(config.server.addr)?;
        let bound = listener.local_addr()?;
        let port = bound.port();
        if !config.server.public_url_explicit {
            config.server.public_url = url::Url::parse(&format!("http://{bound}"))?;
        }
        let state = AppState::new(config, pool)?;
        match prepare_database(&state).await {
            Ok(()) => state.mark_prepared(),
            // A setting the database refuses will not get better by waiting.
            Err(e) if e.is::<Misconfigured>() => return Err(e),
            Err(e) => {
                tracing::warn!(
                    error = format!("{e:#}"),
                    "the database is not ready; retrying in the background"
                );
                tokio::spawn(keep_preparing(state.clone()));
            }
        }
        tokio::spawn(crate::scheduler::run(state.clone()));
        tokio::spawn(crate::webhooks::worker::run(state.clone()));
        crate::media::worker::start(&state);
        tokio::spawn(crate::live::hub::end_streams_on_shutdown(
            state.live.clone(),
        ));
        tokio::spawn(state.waker.clone().run(
            state.config.database.listen_url.expose().clone(),
            state.config.database.timeout,
        ));
        if let Some(cache) = state.cache.clone() {
            tokio::spawn(crate::cache::listener::listen(
                cache.clone(),
                state.config.database.listen_url.expose().clone(),
                state.config.database.timeout,
            ));
            tokio::spawn(crate::cache::listener::track_horizon(
                cache,
                state.pool.clone(),
            ));
        }
        let server = serve(listener, state, &spec)?;
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// A setting the database refuses (start-up stops rather than retrying).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Misconfigured(String);

/// Creates the database if needed, applies migrations, sets the search
/// language, creates the first admin.
async fn prepare_database(state: &AppState) -> anyhow::Result<()> {
    let url = state.config.database.url.expose();
    db::create_database_if_missing(url).await?;
    let applied = db::migrate(url).await?;
    if applied > 0 {
        tracing::info!(applied, "applied database migrations");
    }
    let mut conn = state.pool.get().await?;
    let language = &state.config.site.search_language;
    match db::post_list::set_search_language(&mut conn, language).await {
        Ok(true) => tracing::info!(%language, "re-indexed posts for search"),
        Ok(false) => {}
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("text search configuration") =>
        {
            return Err(Misconfigured(format!("FOLIO_SEARCH_LANGUAGE: {}", info.message())).into());
        }
        Err(e) => return Err(e.into()),
    }
    // Tags of posts written before tags were resources.
    db::tags::ensure_all(&mut conn).await?;
    drop(conn);
    bootstrap::ensure_admin(&state.pool, &state.config).await?;
    // Posts rendered by an older renderer are brought up to date while the
    // server already answers (with their stored HTML meanwhile).
    tokio::spawn(rerender::in_background(
        state.pool.clone(),
        state.renderer.options().clone(),
    ));
    Ok(())
}

async fn keep_preparing(state: AppState) {
    let mut delay = std::time::Duration::from_millis(500);
    loop {
        tokio::time::sleep(delay).await;
        match prepare_database(&state).await {
            Ok(()) => {
                state.mark_prepared();
                tracing::info!("the database is ready");
                return;
            }
            Err(e) if e.is::<Misconfigured>() => {
                tracing::error!(error = %e, "the database refuses a setting; fix it and restart");
                return;
            }
            Err(e) => tracing::warn!(error = format!("{e:#}"), "the database is still not ready"),
        }
        delay = (delay * 2).min(std::time::Duration::from_secs(5));
    }
}

/// Starts the HTTP server on a bound listener; `spec` is [`openapi::spec`],
/// built once (it is a few MiB of allocations while it is built).
fn serve(
    listener: TcpListener,
    state: AppState,
    spec: &utoipa::openapi::OpenApi,
) -> std::io::Result<Server> {
    let document = web::Data::new(routes::docs::Document::new(spec));
    let route_table = web::Data::new(RouteTable::from_openapi(spec));
    let operations = web::Data::new(Operations::from_openapi(spec));
    let workers = state.config.server.workers;
    let shutdown_timeout = state.config.server.shutdown_timeout.as_secs();
    let limits = RateLimits::new(
        state.config.limits.rate_limit_per_minute,
        state.config.limits.rate_limit_burst,
        state.config.server.trusted_proxies.clone(),
    );
    if let Some(limits) = limits.clone() {
        // Idle buckets are dropped every minute so memory stays bounded.
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                limits.forget_idle();
            }
        });
    }
    let limits = web::Data::new(limits);
    let body_limit = state
        .config
        .limits
        .max_json_bytes
        .max(state.config.limits.max_markdown_bytes);
    let cors_origins = state.config.server.cors_origins.clone();
    let state = web::Data::new(state);

    let server = HttpServer::new(move || {
        App::new()
            // The last `wrap` runs first: request ids and logs see the final
            // answer, security headers cover 429s and problem rewrites.
            .wrap(from_fn(http_cache))
            .wrap(from_fn(response_cache))
            .wrap(ErrorHandlers::new().default_handler(problem_fallback))
            .wrap(from_fn(gate))
            // Size limits inside the rate limiter: a client sending
            // oversized requests is counted like any other, and its 414 or
            // 431 carries the `RateLimit-*` headers every answer documents.
            .wrap(from_fn(size_limits))
            .wrap(from_fn(rate_limit))
            .wrap(cors(&cors_origins))
            .wrap(from_fn(security_headers))
            .wrap(from_fn(observe))
            .app_data(state.clone())
            .app_data(limits.clone())
            .app_data(route_table.clone())
            .app_data(operations.clone())
            .app_data(PayloadConfig::new(body_limit))
            .app_data(query_config())
            .app_data(path_config())
            .configure(|cfg| {
                routes::configure(&mut utoipa_actix_web::service_config::ServiceConfig::new(
                    cfg,
                ));
            })
            .configure(routes::media::serve::head_routes)
            .app_data(document.clone())
            .route("/openapi.json", web::get().to(routes::docs::openapi_json))
            .service(SwaggerUi::new("/docs/{_:.*}").config(SwaggerConfig::from("/openapi.json")))
            .service(web::redirect("/docs", "/docs/").permanent())
            .default_service(web::to(not_found_or_method_not_allowed))
    })
    .workers(workers)
    // A client gets 5 s to send its request head, then is dropped; SIGTERM
    // stops accepting at once and gives in-flight requests this long.
    .client_request_timeout(std::time::Duration::from_secs(5))
    .shutdown_timeout(shutdown_timeout)
    .listen(listener)?
    .run();
    Ok(server)
}

/// CORS for browser frontends: only the configured origins, never a
/// wildcard. Credentials are bearer tokens, not cookies, so credentialed
/// (cookie) requests are not enabled at all. No origins: no CORS headers,
/// and preflights are refused.
fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_NONE_MATCH,
            header::IF_MODIFIED_SINCE,
            // Sent by a browser's EventSource when it reconnects.
            header::HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([header::ETAG, header::LOCATION, header::LAST_MODIFIED])
        .max_age(3600)
        // Other origins get no CORS headers (the browser then refuses the
        // response) rather than a 400: same-origin pages such as /docs
        // send an Origin too.
        .block_on_origin_mismatch(false);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}
