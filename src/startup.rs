//! Building and running the server. `main` and the tests both come through
//! here, so the tests run exactly the app that ships.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::web::{self, PayloadConfig};
use actix_web::{App, HttpServer};
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::error::problem_fallback;
use crate::middleware::limits::limits as size_limits;
use crate::middleware::observe::observe;
use crate::middleware::rate_limit::{RateLimits, rate_limit};
use crate::middleware::security_headers::security_headers;
use crate::routes::fallback::{RouteTable, not_found_or_method_not_allowed};
use crate::routes::json::{path_config, query_config};
use crate::state::AppState;
use crate::{bootstrap, db, openapi, routes};

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
        let url = config.database_url.expose().clone();
        let pool = db::pool(&url, config.db_pool_size, config.db_timeout)?;

        let listener = TcpListener::bind(config.addr)?;
        let bound = listener.local_addr()?;
        let port = bound.port();
        if !config.public_url_explicit {
            config.public_url = url::Url::parse(&format!("http://{bound}"))?;
        }
        let state = AppState::new(config, pool);
        match prepare_database(&state).await {
            Ok(()) => state.mark_prepared(),
            Err(e) => {
                tracing::warn!(
                    error = format!("{e:#}"),
                    "the database is not ready; retrying in the background"
                );
                tokio::spawn(keep_preparing(state.clone()));
            }
        }
        tokio::spawn(crate::scheduler::run(state.clone()));
        let server = serve(listener, state)?;
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Creates the database if needed, applies migrations, creates the first admin.
async fn prepare_database(state: &AppState) -> anyhow::Result<()> {
    let url = state.config.database_url.expose();
    db::create_database_if_missing(url).await?;
    let applied = db::migrate(url).await?;
    if applied > 0 {
        tracing::info!(applied, "applied database migrations");
    }
    bootstrap::ensure_admin(&state.pool, &state.config).await?;
    // Tags of posts written before tags were resources.
    let mut conn = state.pool.get().await?;
    db::tags::ensure_all(&mut conn).await?;
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
            Err(e) => tracing::warn!(error = format!("{e:#}"), "the database is still not ready"),
        }
        delay = (delay * 2).min(std::time::Duration::from_secs(5));
    }
}

/// Starts the HTTP server on a bound listener.
pub fn serve(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let spec = openapi::spec();
    let route_table = web::Data::new(RouteTable::from_openapi(&spec));
    let workers = state.config.workers;
    let shutdown_timeout = state.config.shutdown_timeout.as_secs();
    let limits = RateLimits::new(
        state.config.rate_limit_per_minute,
        state.config.rate_limit_burst,
        state.config.trusted_proxies.clone(),
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
        .max_json_bytes
        .max(state.config.max_markdown_bytes);
    let state = web::Data::new(state);

    let server = HttpServer::new(move || {
        App::new()
            // The last `wrap` runs first: request ids and logs see the final
            // answer, security headers cover 429s and problem rewrites.
            .wrap(ErrorHandlers::new().default_handler(problem_fallback))
            .wrap(from_fn(rate_limit))
            .wrap(from_fn(size_limits))
            .wrap(from_fn(security_headers))
            .wrap(from_fn(observe))
            .app_data(state.clone())
            .app_data(limits.clone())
            .app_data(route_table.clone())
            .app_data(PayloadConfig::new(body_limit))
            .app_data(query_config())
            .app_data(path_config())
            .configure(|cfg| {
                routes::configure(&mut utoipa_actix_web::service_config::ServiceConfig::new(
                    cfg,
                ));
            })
            .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", spec.clone()))
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
