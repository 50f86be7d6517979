//! PostgreSQL: where it is, how many connections each instance keeps, and
//! how long anything waits for it.
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `DATABASE_URL` | `postgres://postgres@127.0.0.1:5432/folio` | The database (`postgres://`, naming a database); created if missing |
//! | `FOLIO_LISTEN_DATABASE_URL` | `DATABASE_URL` | The same database for the read cache's `LISTEN` connection, when `DATABASE_URL` goes through a transaction-pooling proxy |
//! | `FOLIO_DB_POOL_SIZE` | 4 per CPU core, 4–16 | Connections per instance (1–1000) |
//! | `FOLIO_DB_TIMEOUT_SECS` | `5` | Longest wait for a connection, or for a statement, before a 503 (1–300) |

use std::time::Duration;

use url::Url;

use super::DefaultIs::{Value, Words};
use super::{ConfigError, Secret, Variable, Vars, err, variable};

pub const DATABASE_URL: Variable = variable!(
    "DATABASE_URL",
    Value("postgres://postgres@127.0.0.1:5432/folio")
);
pub const LISTEN_DATABASE_URL: Variable =
    variable!("FOLIO_LISTEN_DATABASE_URL", Words("`DATABASE_URL`"));
pub const DB_POOL_SIZE: Variable = variable!("FOLIO_DB_POOL_SIZE", Words("4 per CPU core, 4–16"));
pub const DB_TIMEOUT_SECS: Variable = variable!("FOLIO_DB_TIMEOUT_SECS", Value("5"));

pub const VARIABLES: &[Variable] = &[
    DATABASE_URL,
    LISTEN_DATABASE_URL,
    DB_POOL_SIZE,
    DB_TIMEOUT_SECS,
];

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub url: Secret<String>,
    /// Where the read cache's `LISTEN` connection goes: the same database,
    /// but not through a transaction-pooling proxy (which drops `LISTEN`).
    pub listen_url: Secret<String>,
    pub pool_size: usize,
    /// How long to wait for a connection or a statement (and, elsewhere,
    /// for a password hash or a render slot) before answering 503.
    pub timeout: Duration,
}

impl DatabaseConfig {
    pub fn read(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        let url = vars.var_or_default(&DATABASE_URL);
        let parsed = postgres_url(&DATABASE_URL, &url)?;
        let listen_url = match vars.var(&LISTEN_DATABASE_URL) {
            Some(listen) => {
                postgres_url(&LISTEN_DATABASE_URL, &listen)?;
                listen
            }
            None => url.clone(),
        };
        if parsed.path().trim_start_matches('/').is_empty() {
            return Err(err(DATABASE_URL.name, "must name a database"));
        }
        Ok(Self {
            url: Secret::new(url),
            listen_url: Secret::new(listen_url),
            pool_size: vars.var_parsed_or(
                &DB_POOL_SIZE,
                default_pool_size(super::cores()),
                1,
                1_000,
            )?,
            timeout: vars.secs(&DB_TIMEOUT_SECS, 1, 300)?,
        })
    }
}

/// Four connections per core this instance may use, at least 4 and at
/// most 16 (deadpool's own default is four per core).
///
/// More connections than that do not make a busy instance faster: each
/// waiting request then runs its statement beside the others, sharing
/// the same cores, instead of queueing for a connection in order, and
/// the slowest requests wait longest. On 2 cores at 100,000 posts, with
/// 64 clients searching, 8 connections answered the slowest 1 % in
/// 60–101 ms against 101–113 ms with 16, at about the same rate
/// (`bench/README.md`, 2026-12-03). Fewer connections per instance also
/// leave more of PostgreSQL's `max_connections` for other instances.
fn default_pool_size(cores: usize) -> usize {
    (4 * cores).clamp(4, 16)
}

fn postgres_url(v: &Variable, raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw).map_err(|e| err(v.name, format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return Err(err(v.name, "must start with postgres://"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::super::test_config as config;
    use super::default_pool_size;

    #[test]
    fn the_pool_defaults_to_four_connections_per_core_from_4_to_16() {
        assert_eq!(default_pool_size(1), 4);
        assert_eq!(default_pool_size(2), 8);
        assert_eq!(default_pool_size(4), 16);
        assert_eq!(default_pool_size(64), 16);
        let set = config(&[("FOLIO_DB_POOL_SIZE", "3")]).unwrap();
        assert_eq!(set.database.pool_size, 3);
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [("DATABASE_URL", "mysql://x/y"), ("FOLIO_DB_POOL_SIZE", "0")] {
            let e = config(&[(var, value)]).unwrap_err();
            assert_eq!(e.var, var, "{var}={value}");
        }
    }
}
