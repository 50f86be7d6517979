//! The HTTP server: where it listens, how it presents itself, who may call
//! it from a browser, which proxies it believes, how it logs and stops.
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `FOLIO_ENV` | `development` | `development` or `production` (which refuses sample secrets and never makes up an admin password) |
//! | `FOLIO_ADDR` | `127.0.0.1:8080` | Listen address (`host:port`) |
//! | `FOLIO_PUBLIC_URL` | `http://<FOLIO_ADDR>` | Base of absolute links; unset, it follows the port actually bound |
//! | `FOLIO_WORKERS` | CPU cores | HTTP worker threads (1–1024) |
//! | `FOLIO_SHUTDOWN_TIMEOUT_SECS` | `30` | Time in-flight requests get after SIGTERM (1–3600) |
//! | `FOLIO_LOG_FORMAT` | `human` | `human` or `json` log lines |
//! | `RUST_LOG` | `info` | Log filter, read by tracing's `EnvFilter` rather than by [`ServerConfig::read`] |
//! | `FOLIO_CORS_ORIGINS` | none | Comma-separated browser origins allowed by CORS (no path, no wildcard) |
//! | `FOLIO_TRUSTED_PROXIES` | none | Comma-separated IPs and CIDR ranges whose `X-Forwarded-For` is believed |

use std::net::SocketAddr;
use std::time::Duration;

use url::Url;

use super::DefaultIs::{Value, Words};
use super::{ConfigError, ReadBy, Variable, Vars, err, variable};

pub const ENV: Variable = variable!("FOLIO_ENV", Value("development"));
pub const ADDR: Variable = variable!("FOLIO_ADDR", Value("127.0.0.1:8080"));
pub const PUBLIC_URL: Variable = variable!("FOLIO_PUBLIC_URL", Words("`http://<FOLIO_ADDR>`"));
pub const WORKERS: Variable = variable!("FOLIO_WORKERS", Words("CPU cores"));
pub const SHUTDOWN_TIMEOUT_SECS: Variable = variable!("FOLIO_SHUTDOWN_TIMEOUT_SECS", Value("30"));
pub const LOG_FORMAT: Variable = variable!("FOLIO_LOG_FORMAT", Value("human"));
/// Read by [`crate::telemetry::init`], through tracing's `EnvFilter`.
pub const RUST_LOG: Variable = variable!("RUST_LOG", Value(DEFAULT_LOG_FILTER), ReadBy::Tracing);
pub const DEFAULT_LOG_FILTER: &str = "info";
pub const CORS_ORIGINS: Variable = variable!("FOLIO_CORS_ORIGINS", Words("none"));
pub const TRUSTED_PROXIES: Variable = variable!("FOLIO_TRUSTED_PROXIES", Words("none"));

pub const VARIABLES: &[Variable] = &[
    ENV,
    ADDR,
    PUBLIC_URL,
    WORKERS,
    SHUTDOWN_TIMEOUT_SECS,
    LOG_FORMAT,
    RUST_LOG,
    CORS_ORIGINS,
    TRUSTED_PROXIES,
];

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

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub env: Environment,
    pub addr: SocketAddr,
    pub public_url: Url,
    /// False when `public_url` was derived from `addr` (and should follow
    /// the port actually bound, e.g. with `FOLIO_ADDR=127.0.0.1:0`).
    pub public_url_explicit: bool,
    pub workers: usize,
    /// How long in-flight requests may take to finish after SIGTERM.
    pub shutdown_timeout: Duration,
    pub log_format: LogFormat,
    /// Browser origins allowed to call the API (CORS); empty: none.
    pub cors_origins: Vec<String>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl ServerConfig {
    pub fn read(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        let env = vars.choice(
            &ENV,
            [
                ("development", Environment::Development),
                ("production", Environment::Production),
            ],
        )?;

        let addr: SocketAddr = vars
            .var_or_default(&ADDR)
            .parse()
            .map_err(|e| err(ADDR.name, format!("expected host:port, {e}")))?;

        let public_url_explicit = vars.var(&PUBLIC_URL).is_some();
        let public_url = match vars.var(&PUBLIC_URL) {
            Some(u) => Url::parse(&u).map_err(|e| err(PUBLIC_URL.name, e.to_string()))?,
            None => Url::parse(&format!("http://{addr}"))
                .map_err(|e| err(PUBLIC_URL.name, e.to_string()))?,
        };
        if !matches!(public_url.scheme(), "http" | "https") {
            return Err(err(PUBLIC_URL.name, "must be an http or https URL"));
        }

        let log_format = vars.choice(
            &LOG_FORMAT,
            [("human", LogFormat::Human), ("json", LogFormat::Json)],
        )?;

        let trusted_proxies = vars.networks(&TRUSTED_PROXIES)?;

        let cors_origins = vars
            .list(&CORS_ORIGINS)
            .iter()
            .map(|o| parse_origin(o))
            .collect::<Result<Vec<_>, _>>()?;

        Ok(Self {
            env,
            addr,
            public_url,
            public_url_explicit,
            workers: vars.var_parsed_or(&WORKERS, super::cores(), 1, 1_024)?,
            shutdown_timeout: vars.secs(&SHUTDOWN_TIMEOUT_SECS, 1, 3_600)?,
            log_format,
            cors_origins,
            trusted_proxies,
        })
    }
}

/// An origin for CORS: scheme, host and optional port, nothing else.
fn parse_origin(raw: &str) -> Result<String, ConfigError> {
    let bad = || {
        err(
            CORS_ORIGINS.name,
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
    use super::super::test_config as config;

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("FOLIO_ENV", "staging"),
            ("FOLIO_ADDR", "localhost"),
            ("FOLIO_PUBLIC_URL", "ftp://x"),
            ("FOLIO_LOG_FORMAT", "xml"),
            ("FOLIO_TRUSTED_PROXIES", "10.0.0.0/8, not-an-ip"),
            ("FOLIO_SHUTDOWN_TIMEOUT_SECS", "0"),
            ("FOLIO_CORS_ORIGINS", "*"),
            ("FOLIO_CORS_ORIGINS", "https://a.example/path"),
            ("FOLIO_CORS_ORIGINS", "https://a.example,ftp://b.example"),
        ] {
            let e = config(&[(var, value)]).unwrap_err();
            assert_eq!(e.var, var, "{var}={value}");
        }
    }

    #[test]
    fn cors_origins_are_a_checked_list() {
        let c = config(&[(
            "FOLIO_CORS_ORIGINS",
            "https://a.example, http://localhost:3000",
        )])
        .unwrap();
        assert_eq!(
            c.server.cors_origins,
            ["https://a.example", "http://localhost:3000"]
        );
        assert!(config(&[]).unwrap().server.cors_origins.is_empty());
    }
}
