//! What every handler shares: configuration, the pool, the token keys.
//! Nothing here is authoritative state: that all lives in PostgreSQL, so
//! any number of instances can serve the same database.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::auth::hashing::Hashing;
use crate::auth::tokens::TokenKeys;
use crate::cache::ResponseCache;
use crate::config::Config;
use crate::db::{DbConn, DbPool};
use crate::error::AppError;
use crate::render::Renderer;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: DbPool,
    pub tokens: Arc<TokenKeys>,
    /// Whether this process has seen the database created and migrated.
    /// Until then every database call is a 503, never a query against
    /// missing tables.
    prepared: Arc<AtomicBool>,
    /// Renders bodies off the async workers, a bounded number at once,
    /// with its sanitiser built once.
    pub renderer: Arc<Renderer>,
    /// Bounds concurrent password hashing in this process.
    pub hashing: Arc<Hashing>,
    /// Published responses ready to send (`None`: turned off). Kept
    /// coherent through PostgreSQL; see [`crate::cache`].
    pub cache: Option<Arc<ResponseCache>>,
    /// The last readiness check (probes share it).
    pub readiness: Arc<crate::db::Readiness>,
    /// This instance's side of the live event stream.
    pub live: Arc<crate::live::Hub>,
    /// The media store, the image decoding slots and the variant workers'
    /// wake-up.
    pub media: Arc<crate::media::MediaService>,
    /// Wakes every instance's followers after this one commits a change
    /// to posts.
    pub waker: crate::db::wake::Waker,
    /// Marks search matches in snippets, in the search language's words.
    pub highlighter: Arc<crate::snippet::Highlighter>,
    /// Searches known to be large, for one scheduler interval.
    pub search_estimates: Arc<crate::search_estimates::SearchEstimates>,
}

impl AppState {
    pub fn new(config: Config, pool: DbPool) -> anyhow::Result<Self> {
        let tokens = TokenKeys::new(
            config.auth.jwt_secret.expose(),
            config.auth.access_token_ttl,
        );
        let hashing = Hashing::new(config.auth.max_concurrent_hashes, config.database.timeout);
        let cache = ResponseCache::new(config.cache.read_max_bytes, config.cache.read_ttl);
        let renderer = Renderer::new(
            config.render_options(),
            config.limits.render_concurrency,
            config.database.timeout,
            config.limits.render_timeout,
        );
        let live = crate::live::Hub::new(
            config.database.listen_url.expose().clone(),
            config.database.timeout,
            config.live.max_streams,
            config.live.max_streams_per_client,
        );
        let media = crate::media::MediaService::new(&config.media)?;
        let highlighter = crate::snippet::Highlighter::new(&config.site.search_language);
        let search_estimates =
            crate::search_estimates::SearchEstimates::new(config.site.scheduler_interval);
        Ok(Self {
            highlighter: Arc::new(highlighter),
            search_estimates: Arc::new(search_estimates),
            media: Arc::new(media),
            live: Arc::new(live),
            renderer: Arc::new(renderer),
            config: Arc::new(config),
            pool,
            tokens: Arc::new(tokens),
            prepared: Arc::new(AtomicBool::new(false)),
            hashing: Arc::new(hashing),
            cache: cache.map(Arc::new),
            readiness: Arc::default(),
            waker: crate::db::wake::Waker::default(),
        })
    }

    pub fn mark_prepared(&self) {
        self.prepared.store(true, Ordering::Release);
    }

    pub fn is_prepared(&self) -> bool {
        self.prepared.load(Ordering::Acquire)
    }

    /// A pooled connection, or a 503 when none can be had in time.
    /// An HTTP client for webhook deliveries made by a request (a ping);
    /// the worker keeps its own.
    pub fn webhook_client(&self) -> Result<reqwest::Client, AppError> {
        crate::webhooks::target::client(&self.config.webhooks)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("building the webhook client: {e}")))
    }

    pub async fn conn(&self) -> Result<DbConn, AppError> {
        if !self.is_prepared() {
            return Err(AppError::Unavailable);
        }
        Ok(self.pool.get().await?)
    }
}
