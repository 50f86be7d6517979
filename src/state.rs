//! What every handler shares: configuration, the pool, the token keys.
//! Nothing here is authoritative state: that all lives in PostgreSQL, so
//! any number of instances can serve the same database.

use std::sync::Arc;

use crate::auth::hashing::Hashing;
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::db::{DbConn, DbPool};
use crate::error::AppError;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: DbPool,
    pub tokens: Arc<TokenKeys>,
    /// Bounds concurrent password hashing in this process.
    pub hashing: Arc<Hashing>,
}

impl AppState {
    pub fn new(config: Config, pool: DbPool) -> Self {
        let tokens = TokenKeys::new(config.jwt_secret.expose(), config.access_token_ttl);
        let hashing = Hashing::new(config.max_concurrent_hashes, config.db_timeout);
        Self {
            config: Arc::new(config),
            pool,
            tokens: Arc::new(tokens),
            hashing: Arc::new(hashing),
        }
    }

    /// A pooled connection, or a 503 when none can be had in time.
    pub async fn conn(&self) -> Result<DbConn, AppError> {
        Ok(self.pool.get().await?)
    }
}
