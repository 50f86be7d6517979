//! What every handler shares: configuration, the pool, the token keys.
//! Nothing here is authoritative state: that all lives in PostgreSQL, so
//! any number of instances can serve the same database.

use std::sync::Arc;

use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::db::{DbConn, DbPool};
use crate::error::AppError;
use crate::render::RenderOptions;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: DbPool,
    pub tokens: Arc<TokenKeys>,
    /// The renderer's settings, with its sanitiser built once.
    pub render: RenderOptions,
}

impl AppState {
    pub fn new(config: Config, pool: DbPool) -> Self {
        let tokens = TokenKeys::new(config.jwt_secret.expose(), config.access_token_ttl);
        Self {
            render: config.render_options(),
            config: Arc::new(config),
            pool,
            tokens: Arc::new(tokens),
        }
    }

    /// A pooled connection, or a 503 when none can be had in time.
    pub async fn conn(&self) -> Result<DbConn, AppError> {
        Ok(self.pool.get().await?)
    }
}
