//! The database: the connection pool, start-up (create the database,
//! migrate), and one module of queries per table.

pub mod api_keys;
pub mod authors;
pub mod lifecycle;
pub mod listen;
pub mod live;
pub mod login_throttle;
pub mod media;
pub mod media_jobs;
pub mod post_list;
pub mod posts;
pub mod previews;
pub mod refresh_tokens;
pub mod revisions;
pub mod schema;
pub mod seo;
pub mod slug_aliases;
pub mod sql;
pub mod sync;
pub mod tags;
pub mod users;
pub mod wake;
pub mod webhooks;

use std::time::Duration;

use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub type DbPool = Pool<AsyncPgConnection>;

/// Whether a credential's `last_used_at` is worth writing again: at most
/// once a minute, so that busy frontends do not turn every read into a
/// write.
pub fn use_is_stale(last_used_at: Option<chrono::DateTime<chrono::Utc>>) -> bool {
    last_used_at.is_none_or(|at| chrono::Utc::now() - at > chrono::Duration::seconds(60))
}
pub type DbConn = Object<AsyncPgConnection>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// A key for `pg_advisory_lock`, so that instances starting together take
/// turns at migrating and bootstrapping instead of racing.
const STARTUP_LOCK: i64 = 0x666f_6c69_6f00_0001;

/// Builds the pool. Connections are made lazily, so Folio starts even
/// while PostgreSQL is down; checkouts give up after `timeout`, and every
/// statement is cancelled by PostgreSQL after `timeout` too, so a stuck
/// query cannot hold a connection (and a client) indefinitely.
pub fn pool(url: &str, size: usize, timeout: Duration) -> anyhow::Result<DbPool> {
    use diesel_async::pooled_connection::{ManagerConfig, RecyclingMethod};
    use diesel_async::{AsyncConnection, RunQueryDsl};

    let statement_timeout_ms = timeout.as_millis();
    let mut config = ManagerConfig::<AsyncPgConnection>::default();
    // A connection broken by a database restart is marked broken by its
    // first failed query and dropped on return; a test query on every
    // checkout would cost a round trip per request.
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(move |url| {
        let url = url.to_owned();
        Box::pin(async move {
            let mut conn = AsyncPgConnection::establish(&url).await?;
            // `folio.notify`: the posts' triggers leave the notification to
            // this process, sent after commit ([`wake`]).
            diesel::sql_query(format!(
                "SELECT set_config('statement_timeout', '{statement_timeout_ms}', false), \
                        set_config('folio.notify', 'after_commit', false)"
            ))
            .execute(&mut conn)
            .await
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        })
    });
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
    Ok(Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(timeout))
        .create_timeout(Some(timeout))
        .recycle_timeout(Some(timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()?)
}

/// Creates the database named in `url` when it does not exist yet.
pub async fn create_database_if_missing(url: &str) -> anyhow::Result<()> {
    use diesel::sql_types::{Bool, Text};
    use diesel_async::{AsyncConnection, RunQueryDsl};

    #[derive(diesel::QueryableByName)]
    struct Exists {
        #[diesel(sql_type = Bool)]
        exists: bool,
    }

    let mut parsed = url::Url::parse(url)?;
    let name = parsed.path().trim_start_matches('/').to_owned();
    parsed.set_path("/postgres");
    let mut conn = AsyncPgConnection::establish(parsed.as_str()).await?;
    let found: Exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<Text, _>(&name)
            .get_result(&mut conn)
            .await?;
    if !found.exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        match diesel::sql_query(format!("CREATE DATABASE {quoted}"))
            .execute(&mut conn)
            .await
        {
            Ok(_) => tracing::info!(database = %name, "created database"),
            // Another instance created it between our check and now.
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {}
            Err(e) if e.to_string().contains("already exists") => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Applies pending migrations under an advisory lock. Returns how many ran.
pub async fn migrate(url: &str) -> anyhow::Result<usize> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
        use diesel::Connection;
        use diesel::RunQueryDsl;
        use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;

        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)?;
        diesel::sql_query(format!("SELECT pg_advisory_lock({STARTUP_LOCK})")).execute(&mut conn)?;
        let result = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|applied| applied.len())
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
        diesel::sql_query(format!("SELECT pg_advisory_unlock({STARTUP_LOCK})"))
            .execute(&mut conn)?;
        result
    })
    .await?
}

/// Whether the database answers a trivial query right now.
pub async fn ping(pool: &DbPool) -> bool {
    use diesel_async::RunQueryDsl;
    match pool.get().await {
        Ok(mut conn) => diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .await
            .is_ok(),
        Err(_) => false,
    }
}

pub const fn startup_lock() -> i64 {
    STARTUP_LOCK
}

/// The last readiness check, shared by every probe of this instance: at
/// most one `SELECT 1` a second, whatever the probe rate.
pub struct Readiness {
    last: tokio::sync::Mutex<Option<(std::time::Instant, bool)>>,
}

impl Readiness {
    const FRESH: std::time::Duration = std::time::Duration::from_secs(1);

    pub fn new() -> Self {
        Self {
            last: tokio::sync::Mutex::new(None),
        }
    }

    /// Whether the database answered, asked again only when the last
    /// answer is more than a second old. Concurrent probes wait for the
    /// one that asks.
    pub async fn check(&self, pool: &DbPool) -> bool {
        let mut last = self.last.lock().await;
        if let Some((at, ok)) = *last
            && at.elapsed() < Self::FRESH
        {
            return ok;
        }
        let ok = ping(pool).await;
        *last = Some((std::time::Instant::now(), ok));
        ok
    }
}

impl Default for Readiness {
    fn default() -> Self {
        Self::new()
    }
}
