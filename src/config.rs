//! Typed configuration, read once at start-up from the environment.
//!
//! Every setting is listed in `.env.example`. A bad value stops start-up with
//! a message naming the variable, so a typo never turns into a silent default.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use rand::RngCore;
use url::Url;

use crate::render::RenderOptions;

/// A value that must never reach a log line or a `Debug` dump.
#[derive(Clone)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

/// Where the first admin's credentials come from.
#[derive(Debug, Clone)]
pub struct AdminBootstrap {
    pub email: String,
    pub password: Secret<String>,
    /// True when Folio made the password up and must show it once.
    pub generated: bool,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: Secret<String>,
    /// Where the read cache's `LISTEN` connection goes: the same database,
    /// but not through a transaction-pooling proxy (which drops `LISTEN`).
    pub listen_database_url: Secret<String>,
    pub addr: SocketAddr,
    pub env: Environment,
    pub jwt_secret: Secret<Vec<u8>>,
    /// True when no `FOLIO_JWT_SECRET` was given and a per-process key was made.
    pub jwt_secret_generated: bool,
    pub admin: Option<AdminBootstrap>,
    pub public_url: Url,
    /// False when `public_url` was derived from `addr` (and should follow
    /// the port actually bound, e.g. with `FOLIO_ADDR=127.0.0.1:0`).
    pub public_url_explicit: bool,
    pub access_token_ttl: Duration,
    /// How long a session (a family of refresh tokens) lasts from login.
    pub refresh_token_ttl: Duration,
    /// Failed logins allowed for one account from one client address, per
    /// client address (any account) and per account (any address), before
    /// each further failure backs off (1 s, 2 s, 4 s… up to `login_window`).
    pub login_free_failures: u32,
    pub login_max_failures_per_address: u32,
    pub login_max_failures_per_account: u32,
    /// Failures older than this are forgotten; the longest back-off.
    pub login_window: Duration,
    /// Password hashes computed at once per instance (19 MiB each).
    pub max_concurrent_hashes: usize,
    pub db_pool_size: usize,
    pub db_timeout: Duration,
    pub max_json_bytes: usize,
    pub max_markdown_bytes: usize,
    pub workers: usize,
    pub log_format: LogFormat,
    /// Longest accepted path and query string, and all headers together.
    pub max_uri_bytes: usize,
    pub max_header_bytes: usize,
    /// How long in-flight requests may take to finish after SIGTERM.
    pub shutdown_timeout: Duration,
    /// How long a client may take to send a request body.
    pub body_timeout: Duration,
    /// Requests a minute per client address and per credential (0 = off).
    pub rate_limit_per_minute: u32,
    pub rate_limit_burst: u32,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Relative image and link URLs in posts resolve against this folder.
    pub media_base_url: Option<Url>,
    /// Bytes of ready-to-send published responses each instance keeps in
    /// memory (0: no read cache).
    pub read_cache_max_bytes: u64,
    /// The longest a read-cache entry is served, however quiet the database.
    pub read_cache_ttl: Duration,
    /// `max-age` of anonymous reads, in seconds.
    pub cache_max_age: u64,
    /// `stale-while-revalidate` of anonymous reads, in seconds.
    pub cache_stale_while_revalidate: u64,
    /// Browser origins allowed to call the API (CORS); empty: none.
    pub cors_origins: Vec<String>,
    /// Where a post lives on the public site: `{slug}` and `{id}` are
    /// replaced; relative patterns are joined to `public_url`.
    pub post_url_pattern: String,
    /// The site's name, for feeds.
    pub site_title: String,
    /// The PostgreSQL text-search configuration (`english`, `simple`…).
    pub search_language: String,
    /// Whether `PATCH` and `DELETE` on a post must carry `If-Match` (428 otherwise).
    pub require_if_match: bool,
    /// How often each instance looks for scheduled posts to publish.
    pub scheduler_interval: Duration,
    /// How many revisions are kept per post (the oldest go first).
    pub revisions_keep: u32,
    /// Bodies rendered at once per instance (each takes a core).
    pub render_concurrency: usize,
    /// How long one body may take to render before it is refused (422).
    pub render_timeout: Duration,
}

/// An http(s) URL naming a folder: a missing trailing slash is added, so
/// `https://cdn.example.com/posts` and `…/posts/` mean the same.
fn parse_media_base(raw: &str) -> Result<Url, String> {
    let mut url = Url::parse(raw.trim()).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("must be an http or https URL".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or a fragment".into());
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// A configuration error that names the variable at fault.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

fn err(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        message: message.into(),
    }
}

/// The issuer and audience every access token carries and must carry back.
pub const TOKEN_ISSUER: &str = "folio";
pub const TOKEN_AUDIENCE: &str = "folio-api";

impl Config {
    /// Reads `.env` (when present) and then the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env is normal in production; a malformed one is not.
        if let Err(e) = dotenvy::dotenv()
            && !e.not_found()
        {
            return Err(err(".env", e.to_string()));
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the configuration from any variable lookup (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let env = match var("FOLIO_ENV").as_deref() {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(err(
                    "FOLIO_ENV",
                    format!("expected `development` or `production`, got `{other}`"),
                ));
            }
        };

        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/folio".to_owned());
        let parsed_db = Url::parse(&database_url)
            .map_err(|e| err("DATABASE_URL", format!("not a URL: {e}")))?;
        if !matches!(parsed_db.scheme(), "postgres" | "postgresql") {
            return Err(err("DATABASE_URL", "must start with postgres://"));
        }
        let listen_url = match var("FOLIO_LISTEN_DATABASE_URL") {
            Some(url) => {
                let parsed = Url::parse(&url)
                    .map_err(|e| err("FOLIO_LISTEN_DATABASE_URL", format!("not a URL: {e}")))?;
                if !matches!(parsed.scheme(), "postgres" | "postgresql") {
                    return Err(err(
                        "FOLIO_LISTEN_DATABASE_URL",
                        "must start with postgres://",
                    ));
                }
                url
            }
            None => database_url.clone(),
        };
        if parsed_db.path().trim_start_matches('/').is_empty() {
            return Err(err("DATABASE_URL", "must name a database"));
        }

        let addr: SocketAddr = var("FOLIO_ADDR")
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned())
            .parse()
            .map_err(|e| err("FOLIO_ADDR", format!("expected host:port, {e}")))?;

        let (jwt_secret, jwt_secret_generated) = match var("FOLIO_JWT_SECRET") {
            Some(s) if env == Environment::Production && !looks_secret(&s) => {
                return Err(err(
                    "FOLIO_JWT_SECRET",
                    "is a sample from Folio's documentation or has too little variety; \
                     in production use at least 32 random bytes (e.g. `openssl rand -base64 48`)",
                ));
            }
            Some(s) if s.len() >= 32 => (s.into_bytes(), false),
            Some(_) => return Err(err("FOLIO_JWT_SECRET", "must be at least 32 bytes")),
            None if env == Environment::Production => {
                return Err(err("FOLIO_JWT_SECRET", "is required in production"));
            }
            None => {
                let mut key = vec![0u8; 32];
                rand::rng().fill_bytes(&mut key);
                (key, true)
            }
        };

        let admin = match (var("FOLIO_ADMIN_EMAIL"), var("FOLIO_ADMIN_PASSWORD")) {
            (Some(email), Some(password)) => Some(AdminBootstrap {
                email,
                password: Secret::new(password),
                generated: false,
            }),
            (None, Some(password)) if env == Environment::Development => Some(AdminBootstrap {
                email: "admin@localhost".to_owned(),
                password: Secret::new(password),
                generated: false,
            }),
            (None, Some(_)) => {
                return Err(err(
                    "FOLIO_ADMIN_EMAIL",
                    "is required with FOLIO_ADMIN_PASSWORD in production",
                ));
            }
            (email, None) if env == Environment::Development => Some(AdminBootstrap {
                email: email.unwrap_or_else(|| "admin@localhost".to_owned()),
                password: Secret::new(crate::auth::password::generate()),
                generated: true,
            }),
            (Some(_), None) => {
                return Err(err(
                    "FOLIO_ADMIN_PASSWORD",
                    "is required with FOLIO_ADMIN_EMAIL in production",
                ));
            }
            (None, None) => None,
        };

        if env == Environment::Production
            && let Some(admin) = &admin
            && let Err(why) = check_bootstrap_password(&admin.email, admin.password.expose())
        {
            return Err(err("FOLIO_ADMIN_PASSWORD", why));
        }

        let public_url_explicit = var("FOLIO_PUBLIC_URL").is_some();
        let public_url = match var("FOLIO_PUBLIC_URL") {
            Some(u) => Url::parse(&u).map_err(|e| err("FOLIO_PUBLIC_URL", e.to_string()))?,
            None => Url::parse(&format!("http://{addr}"))
                .map_err(|e| err("FOLIO_PUBLIC_URL", e.to_string()))?,
        };
        if !matches!(public_url.scheme(), "http" | "https") {
            return Err(err("FOLIO_PUBLIC_URL", "must be an http or https URL"));
        }

        let media_base_url = var("FOLIO_MEDIA_BASE_URL")
            .map(|raw| parse_media_base(&raw).map_err(|m| err("FOLIO_MEDIA_BASE_URL", m)))
            .transpose()?;

        let number = |name: &'static str, default: u64, min: u64, max: u64| match var(name) {
            None => Ok(default),
            Some(v) => match v.trim().parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(err(
                    name,
                    format!("expected a whole number from {min} to {max}, got `{v}`"),
                )),
            },
        };

        let flag = |name: &'static str, default: bool| match var(name).as_deref() {
            None => Ok(default),
            Some("true" | "1") => Ok(true),
            Some("false" | "0") => Ok(false),
            Some(other) => Err(err(
                name,
                format!("expected `true` or `false`, got `{other}`"),
            )),
        };

        let log_format = match var("FOLIO_LOG_FORMAT").as_deref() {
            None | Some("human") => LogFormat::Human,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(err(
                    "FOLIO_LOG_FORMAT",
                    format!("expected `human` or `json`, got `{other}`"),
                ));
            }
        };

        let trusted_proxies = match var("FOLIO_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<ipnet::IpNet>()
                        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                        .map_err(|_| {
                            err(
                                "FOLIO_TRUSTED_PROXIES",
                                format!("`{s}` is not an IP address or CIDR range"),
                            )
                        })
                })
                .collect::<Result<_, _>>()?,
        };

        let cors_origins = match var("FOLIO_CORS_ORIGINS") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(parse_origin)
                .collect::<Result<Vec<_>, _>>()?,
        };

        let post_url_pattern =
            var("FOLIO_POST_URL_PATTERN").unwrap_or_else(|| "/blog/{slug}".into());
        if !(post_url_pattern.contains("{slug}") || post_url_pattern.contains("{id}")) {
            return Err(err("FOLIO_POST_URL_PATTERN", "must contain {slug} or {id}"));
        }
        if !post_url_pattern.starts_with('/') {
            let absolute = Url::parse(
                &post_url_pattern.replace("{slug}", "s").replace("{id}", "i"),
            )
            .map_err(|_| {
                err(
                    "FOLIO_POST_URL_PATTERN",
                    "must start with / or be an http(s) URL",
                )
            })?;
            if !matches!(absolute.scheme(), "http" | "https") {
                return Err(err(
                    "FOLIO_POST_URL_PATTERN",
                    "must start with / or be an http(s) URL",
                ));
            }
        }

        let search_language = var("FOLIO_SEARCH_LANGUAGE").unwrap_or_else(|| "english".into());
        if search_language.is_empty()
            || search_language.len() > 63
            || !search_language
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_')
        {
            return Err(err(
                "FOLIO_SEARCH_LANGUAGE",
                "expected a PostgreSQL text-search configuration name such as `english` or `simple`",
            ));
        }

        let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
        Ok(Self {
            database_url: Secret::new(database_url),
            listen_database_url: Secret::new(listen_url),
            addr,
            env,
            jwt_secret: Secret::new(jwt_secret),
            jwt_secret_generated,
            admin,
            public_url,
            public_url_explicit,
            access_token_ttl: Duration::from_secs(number(
                "FOLIO_ACCESS_TOKEN_TTL_SECS",
                900,
                30,
                86_400,
            )?),
            refresh_token_ttl: Duration::from_secs(number(
                "FOLIO_REFRESH_TOKEN_TTL_SECS",
                30 * 86_400,
                300,
                365 * 86_400,
            )?),
            login_free_failures: number("FOLIO_LOGIN_FREE_FAILURES", 5, 1, 10_000)? as u32,
            login_max_failures_per_account: number(
                "FOLIO_LOGIN_MAX_FAILURES_PER_ACCOUNT",
                100,
                1,
                100_000,
            )? as u32,
            login_max_failures_per_address: number(
                "FOLIO_LOGIN_MAX_FAILURES_PER_ADDRESS",
                50,
                1,
                100_000,
            )? as u32,
            login_window: Duration::from_secs(number("FOLIO_LOGIN_WINDOW_SECS", 900, 1, 86_400)?),
            max_concurrent_hashes: number("FOLIO_MAX_CONCURRENT_HASHES", cores, 1, 1_024)? as usize,
            db_pool_size: number("FOLIO_DB_POOL_SIZE", 16, 1, 1_000)? as usize,
            db_timeout: Duration::from_secs(number("FOLIO_DB_TIMEOUT_SECS", 5, 1, 300)?),
            max_json_bytes: number("FOLIO_MAX_JSON_BYTES", 1 << 20, 1_024, 64 << 20)? as usize,
            max_markdown_bytes: number("FOLIO_MAX_MARKDOWN_BYTES", 1 << 20, 1_024, 64 << 20)?
                as usize,
            workers: number("FOLIO_WORKERS", cores, 1, 1_024)? as usize,
            log_format,
            max_uri_bytes: number("FOLIO_MAX_URI_BYTES", 8 * 1024, 256, 64 * 1024)? as usize,
            max_header_bytes: number("FOLIO_MAX_HEADER_BYTES", 16 * 1024, 1_024, 64 * 1024)?
                as usize,
            shutdown_timeout: Duration::from_secs(number(
                "FOLIO_SHUTDOWN_TIMEOUT_SECS",
                30,
                1,
                3_600,
            )?),
            body_timeout: Duration::from_secs(number("FOLIO_BODY_TIMEOUT_SECS", 30, 1, 3_600)?),
            rate_limit_per_minute: number("FOLIO_RATE_LIMIT_PER_MINUTE", 1_200, 0, 10_000_000)?
                as u32,
            rate_limit_burst: number("FOLIO_RATE_LIMIT_BURST", 200, 1, 10_000_000)? as u32,
            trusted_proxies,
            media_base_url,
            read_cache_max_bytes: number("FOLIO_CACHE_MAX_BYTES", 32 << 20, 0, 64 << 30)?,
            read_cache_ttl: Duration::from_secs(number("FOLIO_CACHE_TTL_SECS", 300, 1, 86_400)?),
            cache_max_age: number("FOLIO_CACHE_MAX_AGE_SECS", 60, 0, 31_536_000)?,
            cache_stale_while_revalidate: number(
                "FOLIO_CACHE_STALE_WHILE_REVALIDATE_SECS",
                300,
                0,
                31_536_000,
            )?,
            cors_origins,
            post_url_pattern,
            site_title: var("FOLIO_SITE_TITLE").unwrap_or_else(|| "Folio".into()),
            search_language,
            require_if_match: flag("FOLIO_REQUIRE_IF_MATCH", false)?,
            scheduler_interval: Duration::from_millis(number(
                "FOLIO_SCHEDULER_INTERVAL_MS",
                5_000,
                10,
                3_600_000,
            )?),
            revisions_keep: number("FOLIO_REVISIONS_KEEP", 50, 1, 100_000)? as u32,
            render_concurrency: number("FOLIO_RENDER_CONCURRENCY", cores, 1, 1_024)? as usize,
            render_timeout: Duration::from_millis(number(
                "FOLIO_RENDER_TIMEOUT_MS",
                5_000,
                100,
                600_000,
            )?),
        })
    }

    /// What the renderer needs from the configuration.
    pub fn render_options(&self) -> RenderOptions {
        RenderOptions::new(self.media_base_url.clone())
    }

    /// The absolute public URL of a post, from `FOLIO_POST_URL_PATTERN`.
    pub fn post_url(&self, id: uuid::Uuid, slug: &str) -> String {
        let path = self
            .post_url_pattern
            .replace("{slug}", slug)
            .replace("{id}", &id.to_string());
        if path.starts_with('/') {
            self.public_link(&path)
        } else {
            path
        }
    }

    /// The public URL of a path, for `Location` headers and absolute links.
    pub fn public_link(&self, path: &str) -> String {
        format!("{}{}", self.public_url.as_str().trim_end_matches('/'), path)
    }
}

/// Secrets printed in Folio's own README, scripts and tests. Anyone can
/// read them, so production refuses them (a test keeps this list complete).
pub const PUBLISHED_SAMPLES: &[&str] = &[
    "change-me-please",
    "admin-password-for-tests",
    "test-secret-that-is-at-least-32-bytes-long",
    "script-secret-that-is-at-least-32-bytes",
    "schemathesis-secret-at-least-32-bytes-long",
    "schemathesis-admin-password",
    "load-bench-secret-load-bench-secret-0123456789",
    "load-bench-password-long",
    "bench-password-long",
    "hostile-bench-password",
    "a-long-enough-password",
];

/// Passwords every attacker tries first.
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "password1",
    "password123",
    "changeme",
    "admin",
    "administrator",
    "letmein",
    "welcome",
    "qwerty",
    "123456",
    "12345678",
    "1234567890",
    "secret",
    "folio",
];

fn is_published_sample(value: &str) -> bool {
    let value = value.trim();
    PUBLISHED_SAMPLES
        .iter()
        .any(|s| value.eq_ignore_ascii_case(s))
}

/// Whether a JWT secret could be a real one: not a published sample, and
/// not a short pattern repeated (`aaaa…`, `abcabc…`).
fn looks_secret(value: &str) -> bool {
    let distinct: std::collections::HashSet<char> = value.chars().collect();
    !is_published_sample(value) && distinct.len() >= 12
}

/// What production asks of the first admin's password: long, varied, not
/// a published sample or a common password, not the email.
pub fn check_bootstrap_password(email: &str, password: &str) -> Result<(), String> {
    const MIN_CHARS: usize = 12;
    let lower = password.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    let distinct: std::collections::HashSet<char> = lower.chars().collect();
    if password.chars().count() < MIN_CHARS {
        Err(format!(
            "must be at least {MIN_CHARS} characters in production"
        ))
    } else if is_published_sample(password) {
        Err("is a sample from Folio's documentation; choose your own".into())
    } else if COMMON_PASSWORDS.iter().any(|common| {
        // A common password with a few characters around it is still one.
        let letters: String = lower.chars().filter(char::is_ascii_alphanumeric).collect();
        letters.contains(common) && letters.len() < common.len() + 6
    }) {
        Err("is too close to a common password".into())
    } else if !local.is_empty() && lower.contains(&local) {
        Err("must not contain the admin's email name".into())
    } else if distinct.len() < 6 {
        Err("has too little variety".into())
    } else {
        Ok(())
    }
}

/// An origin for CORS: scheme, host and optional port, nothing else.
fn parse_origin(raw: &str) -> Result<String, ConfigError> {
    let bad = || {
        err(
            "FOLIO_CORS_ORIGINS",
            format!(
                "`{raw}` is not an origin such as https://www.example.com (no path, no wildcard)"
            ),
        )
    };
    let url = Url::parse(raw).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none()
        || url.path() != "/"
        || url.query().is_some()
        || url.username() != ""
    {
        return Err(bad());
    }
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_development_ones() {
        let c = config(&[]).unwrap();
        assert_eq!(c.env, Environment::Development);
        assert_eq!(c.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(c.public_url.as_str(), "http://127.0.0.1:8080/");
        assert!(c.jwt_secret_generated);
        assert_eq!(c.jwt_secret.expose().len(), 32);
        let admin = c.admin.unwrap();
        assert_eq!(admin.email, "admin@localhost");
        assert!(admin.generated);
    }

    #[test]
    fn production_requires_a_long_jwt_secret() {
        let e = config(&[("FOLIO_ENV", "production")]).unwrap_err();
        assert_eq!(e.var, "FOLIO_JWT_SECRET");
        let e = config(&[("FOLIO_ENV", "production"), ("FOLIO_JWT_SECRET", "short")]).unwrap_err();
        assert_eq!(e.var, "FOLIO_JWT_SECRET");
        let c = config(&[
            ("FOLIO_ENV", "production"),
            ("FOLIO_JWT_SECRET", PROD_SECRET),
        ])
        .unwrap();
        assert!(c.admin.is_none());
    }

    const PROD_SECRET: &str = "k3J9x-Qw7Zp2Lm8Vn4Rt6Yb1Hc5Gd0Fs";

    #[test]
    fn production_refuses_published_and_weak_secrets() {
        for secret in [
            "test-secret-that-is-at-least-32-bytes-long",
            "script-secret-that-is-at-least-32-bytes",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "abcabcabcabcabcabcabcabcabcabcabcabc",
        ] {
            let e =
                config(&[("FOLIO_ENV", "production"), ("FOLIO_JWT_SECRET", secret)]).unwrap_err();
            assert_eq!(e.var, "FOLIO_JWT_SECRET", "{secret}");
            // Development takes them (the tests and scripts use them).
            assert!(config(&[("FOLIO_JWT_SECRET", secret)]).is_ok() || secret.len() < 32);
        }
        assert!(
            config(&[
                ("FOLIO_ENV", "production"),
                ("FOLIO_JWT_SECRET", PROD_SECRET)
            ])
            .is_ok()
        );
    }

    #[test]
    fn production_refuses_weak_bootstrap_passwords() {
        for password in [
            "change-me-please",
            "short",
            "password1234",
            "Password-123",
            "ops@example.com!!x",
            "aaaaaaaaaaaaaaa",
            "abababababababab",
        ] {
            let e = config(&[
                ("FOLIO_ENV", "production"),
                ("FOLIO_JWT_SECRET", PROD_SECRET),
                ("FOLIO_ADMIN_EMAIL", "ops@example.com"),
                ("FOLIO_ADMIN_PASSWORD", password),
            ])
            .unwrap_err();
            assert_eq!(e.var, "FOLIO_ADMIN_PASSWORD", "{password}");
        }
        let ok = config(&[
            ("FOLIO_ENV", "production"),
            ("FOLIO_JWT_SECRET", PROD_SECRET),
            ("FOLIO_ADMIN_EMAIL", "ops@example.com"),
            ("FOLIO_ADMIN_PASSWORD", "tangerine-orbit-7-lantern"),
        ]);
        assert!(ok.is_ok(), "{ok:?}");
        // Development is for trying things out: the README's command works.
        assert!(config(&[("FOLIO_ADMIN_PASSWORD", "change-me-please")]).is_ok());
    }

    /// Every secret written in the README, the scripts and the tests is in
    /// the list production refuses.
    #[test]
    fn every_secret_published_in_the_repository_is_refused_in_production() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![root.join("README.md"), root.join(".env.example")];
        for dir in ["scripts", "bench", "tests/api/helpers", "docs"] {
            if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
                files.extend(entries.filter_map(|e| Some(e.ok()?.path())));
            }
        }
        let mut found = Vec::new();
        for file in files {
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            for marker in [
                "FOLIO_JWT_SECRET=",
                "FOLIO_ADMIN_PASSWORD=",
                "ADMIN_PASSWORD=",
                "JWT_SECRET: &str = \"",
                "PASSWORD: &str = \"",
                "PASSWORD=",
            ] {
                for (at, _) in text.match_indices(marker) {
                    let value: String = text[at + marker.len()..]
                        .trim_start_matches('"')
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                        .collect();
                    if value.len() >= 8 && !value.starts_with('$') {
                        found.push((file.display().to_string(), value));
                    }
                }
            }
        }
        assert!(!found.is_empty(), "the scan found nothing: it is broken");
        let unknown: Vec<_> = found
            .iter()
            .filter(|(_, v)| !is_published_sample(v) && !v.starts_with("script-password-"))
            .collect();
        assert!(
            unknown.is_empty(),
            "add these to PUBLISHED_SAMPLES: {unknown:?}"
        );
    }

    #[test]
    fn a_development_admin_password_alone_names_admin_at_localhost() {
        let admin = config(&[("FOLIO_ADMIN_PASSWORD", "chosen-password")])
            .unwrap()
            .admin
            .unwrap();
        assert_eq!(admin.email, "admin@localhost");
        assert!(!admin.generated);
        let e = config(&[
            ("FOLIO_ENV", "production"),
            ("FOLIO_JWT_SECRET", PROD_SECRET),
            ("FOLIO_ADMIN_PASSWORD", "chosen-password"),
        ])
        .unwrap_err();
        assert_eq!(e.var, "FOLIO_ADMIN_EMAIL");
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("FOLIO_ENV", "staging"),
            ("FOLIO_ADDR", "localhost"),
            ("DATABASE_URL", "mysql://x/y"),
            ("FOLIO_PUBLIC_URL", "ftp://x"),
            ("FOLIO_DB_POOL_SIZE", "0"),
            ("FOLIO_MAX_JSON_BYTES", "lots"),
            ("FOLIO_LOG_FORMAT", "xml"),
            ("FOLIO_TRUSTED_PROXIES", "10.0.0.0/8, not-an-ip"),
            ("FOLIO_RATE_LIMIT_PER_MINUTE", "-1"),
            ("FOLIO_SHUTDOWN_TIMEOUT_SECS", "0"),
            ("FOLIO_MEDIA_BASE_URL", "ftp://cdn.example.com/"),
            ("FOLIO_MEDIA_BASE_URL", "/images/"),
            ("FOLIO_MEDIA_BASE_URL", "https://cdn.example.com/?v=1"),
            ("FOLIO_REFRESH_TOKEN_TTL_SECS", "10"),
            ("FOLIO_LOGIN_MAX_FAILURES_PER_ACCOUNT", "0"),
            ("FOLIO_LOGIN_MAX_FAILURES_PER_ADDRESS", "-1"),
            ("FOLIO_LOGIN_WINDOW_SECS", "forever"),
            ("FOLIO_MAX_CONCURRENT_HASHES", "0"),
            ("FOLIO_CORS_ORIGINS", "*"),
            ("FOLIO_CORS_ORIGINS", "https://a.example/path"),
            ("FOLIO_CORS_ORIGINS", "https://a.example,ftp://b.example"),
            ("FOLIO_POST_URL_PATTERN", "/blog/post"),
            ("FOLIO_POST_URL_PATTERN", "blog/{slug}"),
            ("FOLIO_SEARCH_LANGUAGE", "english; drop table"),
            ("FOLIO_CACHE_MAX_AGE_SECS", "-1"),
            ("FOLIO_REQUIRE_IF_MATCH", "yes"),
            ("FOLIO_SCHEDULER_INTERVAL_MS", "0"),
            ("FOLIO_REVISIONS_KEEP", "0"),
        ] {
            let e = config(&[(var, value)]).unwrap_err();
            assert_eq!(e.var, var, "{var}={value}");
        }
    }

    #[test]
    fn the_media_base_url_is_optional_and_always_names_a_folder() {
        assert!(config(&[]).unwrap().media_base_url.is_none());
        for raw in [
            "https://cdn.example.com/blog/posts",
            "https://cdn.example.com/blog/posts/",
        ] {
            let c = config(&[("FOLIO_MEDIA_BASE_URL", raw)]).unwrap();
            assert_eq!(
                c.media_base_url.unwrap().as_str(),
                "https://cdn.example.com/blog/posts/"
            );
        }
    }

    #[test]
    fn post_urls_follow_the_pattern() {
        let id = uuid::Uuid::nil();
        let c = config(&[("FOLIO_PUBLIC_URL", "https://example.com/")]).unwrap();
        assert_eq!(c.post_url(id, "hi"), "https://example.com/blog/hi");
        let c = config(&[(
            "FOLIO_POST_URL_PATTERN",
            "https://www.example.com/p/{id}/{slug}",
        )])
        .unwrap();
        assert_eq!(
            c.post_url(id, "hi"),
            "https://www.example.com/p/00000000-0000-0000-0000-000000000000/hi"
        );
    }

    #[test]
    fn cors_origins_are_a_checked_list() {
        let c = config(&[(
            "FOLIO_CORS_ORIGINS",
            "https://a.example, http://localhost:3000",
        )])
        .unwrap();
        assert_eq!(
            c.cors_origins,
            ["https://a.example", "http://localhost:3000"]
        );
        assert!(config(&[]).unwrap().cors_origins.is_empty());
    }

    #[test]
    fn secrets_do_not_print() {
        let c = config(&[("FOLIO_JWT_SECRET", "0123456789abcdef0123456789abcdef")]).unwrap();
        let dump = format!("{c:?}");
        assert!(!dump.contains("0123456789abcdef"));
        assert!(!dump.contains(c.admin.unwrap().password.expose().as_str()));
    }
}
