//! Building and running the server. `main` and the tests both come through
//! here, so the tests run exactly the app that ships.

use std::net::TcpListener;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, ErrorHandlers, from_fn};
use actix_web::web::{self, PayloadConfig};
use actix_web::{App, HttpServer};
use tracing_actix_web::TracingLogger;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::error::problem_fallback;
use crate::http_cache::http_cache;
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
    pub async fn build(mut config: Config) -> anyhow::Result<Self> {
        let url = config.database_url.expose().clone();
        db::create_database_if_missing(&url).await?;
        let applied = db::migrate(&url).await?;
        if applied > 0 {
            tracing::info!(applied, "applied database migrations");
        }
        let pool = db::pool(&url, config.db_pool_size, config.db_timeout)?;
        bootstrap::ensure_admin(&pool, &config).await?;

        let listener = TcpListener::bind(config.addr)?;
        let bound = listener.local_addr()?;
        let port = bound.port();
        if !config.public_url_explicit {
            config.public_url = url::Url::parse(&format!("http://{bound}"))?;
        }
        let mut conn = pool.get().await?;
        if db::post_list::set_search_language(&mut conn, &config.search_language)
            .await
            .map_err(|e| anyhow::anyhow!("FOLIO_SEARCH_LANGUAGE: {e}"))?
        {
            tracing::info!(language = %config.search_language, "re-indexed posts for search");
        }
        drop(conn);
        let state = AppState::new(config, pool);
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

/// Starts the HTTP server on a bound listener.
pub fn serve(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let spec = openapi::spec();
    let route_table = web::Data::new(RouteTable::from_openapi(&spec));
    let workers = state.config.workers;
    let body_limit = state
        .config
        .max_json_bytes
        .max(state.config.max_markdown_bytes);
    let cors_origins = state.config.cors_origins.clone();
    let state = web::Data::new(state);

    let server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(http_cache))
            .wrap(ErrorHandlers::new().default_handler(problem_fallback))
            .wrap(DefaultHeaders::new().add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")))
            .wrap(cors(&cors_origins))
            .wrap(TracingLogger::default())
            .app_data(state.clone())
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
            .default_service(web::to(not_found_or_method_not_allowed))
    })
    .workers(workers)
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
