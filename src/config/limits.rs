//! What one request may ask of an instance: body, URI and header sizes,
//! how long a body may take to arrive, how many requests a client may
//! send, and how much rendering one instance does at once.
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `FOLIO_MAX_JSON_BYTES` | `1048576` | Largest JSON body (1024–67108864) |
//! | `FOLIO_MAX_MARKDOWN_BYTES` | `1048576` | Largest Markdown file (1024–67108864) |
//! | `FOLIO_MAX_BULK_BYTES` | `16777216` | Largest bulk import body, all its posts together (1024–268435456); each post within `FOLIO_MAX_JSON_BYTES` |
//! | `FOLIO_MAX_URI_BYTES` | `8192` | Longest path and query string; 414 beyond (256–65536) |
//! | `FOLIO_MAX_HEADER_BYTES` | `16384` | Largest request headers, all together; 431 beyond (1024–65536) |
//! | `FOLIO_BODY_TIMEOUT_SECS` | `30` | Time a client gets to send a body; 408 beyond (1–3600) |
//! | `FOLIO_RATE_LIMIT_PER_MINUTE` | `1200` | Requests a minute per client address and per credential; `0` = off |
//! | `FOLIO_RATE_LIMIT_BURST` | `200` | Largest burst above the average rate (1–10000000) |
//! | `FOLIO_RENDER_CONCURRENCY` | CPU cores | Bodies rendered at once per instance (1–1024) |
//! | `FOLIO_RENDER_TIMEOUT_MS` | `5000` | Longest one body may take to render before a 422 (100–600000) |

use std::time::Duration;

use super::DefaultIs::{Value, Words};
use super::{ConfigError, Variable, Vars, variable};

pub const MAX_JSON_BYTES: Variable = variable!("FOLIO_MAX_JSON_BYTES", Value("1048576"));
pub const MAX_MARKDOWN_BYTES: Variable = variable!("FOLIO_MAX_MARKDOWN_BYTES", Value("1048576"));
pub const MAX_BULK_BYTES: Variable = variable!("FOLIO_MAX_BULK_BYTES", Value("16777216"));
pub const MAX_URI_BYTES: Variable = variable!("FOLIO_MAX_URI_BYTES", Value("8192"));
pub const MAX_HEADER_BYTES: Variable = variable!("FOLIO_MAX_HEADER_BYTES", Value("16384"));
pub const BODY_TIMEOUT_SECS: Variable = variable!("FOLIO_BODY_TIMEOUT_SECS", Value("30"));
pub const RATE_LIMIT_PER_MINUTE: Variable = variable!("FOLIO_RATE_LIMIT_PER_MINUTE", Value("1200"));
pub const RATE_LIMIT_BURST: Variable = variable!("FOLIO_RATE_LIMIT_BURST", Value("200"));
pub const RENDER_CONCURRENCY: Variable = variable!("FOLIO_RENDER_CONCURRENCY", Words("CPU cores"));
pub const RENDER_TIMEOUT_MS: Variable = variable!("FOLIO_RENDER_TIMEOUT_MS", Value("5000"));

pub const VARIABLES: &[Variable] = &[
    MAX_JSON_BYTES,
    MAX_MARKDOWN_BYTES,
    MAX_BULK_BYTES,
    MAX_URI_BYTES,
    MAX_HEADER_BYTES,
    BODY_TIMEOUT_SECS,
    RATE_LIMIT_PER_MINUTE,
    RATE_LIMIT_BURST,
    RENDER_CONCURRENCY,
    RENDER_TIMEOUT_MS,
];

#[derive(Debug, Clone)]
pub struct LimitsConfig {
    pub max_json_bytes: usize,
    pub max_markdown_bytes: usize,
    /// Largest `POST /api/v1/bulk/posts` body; each post in it is held to
    /// `max_json_bytes` as well.
    pub max_bulk_bytes: usize,
    /// Longest accepted path and query string, and all headers together.
    pub max_uri_bytes: usize,
    pub max_header_bytes: usize,
    /// How long a client may take to send a request body.
    pub body_timeout: Duration,
    /// Requests a minute per client address and per credential (0 = off).
    pub rate_limit_per_minute: u32,
    pub rate_limit_burst: u32,
    /// Bodies rendered at once per instance (each takes a core).
    pub render_concurrency: usize,
    /// How long one body may take to render before it is refused (422).
    pub render_timeout: Duration,
}

impl LimitsConfig {
    pub fn read(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            max_json_bytes: vars.var_parsed(&MAX_JSON_BYTES, 1_024, 64 << 20)?,
            max_markdown_bytes: vars.var_parsed(&MAX_MARKDOWN_BYTES, 1_024, 64 << 20)?,
            max_bulk_bytes: vars.var_parsed(&MAX_BULK_BYTES, 1_024, 256 << 20)?,
            max_uri_bytes: vars.var_parsed(&MAX_URI_BYTES, 256, 64 * 1024)?,
            max_header_bytes: vars.var_parsed(&MAX_HEADER_BYTES, 1_024, 64 * 1024)?,
            body_timeout: vars.secs(&BODY_TIMEOUT_SECS, 1, 3_600)?,
            rate_limit_per_minute: vars.var_parsed(&RATE_LIMIT_PER_MINUTE, 0, 10_000_000)?,
            rate_limit_burst: vars.var_parsed(&RATE_LIMIT_BURST, 1, 10_000_000)?,
            render_concurrency: vars.var_parsed_or(
                &RENDER_CONCURRENCY,
                super::cores(),
                1,
                1_024,
            )?,
            render_timeout: vars.millis(&RENDER_TIMEOUT_MS, 100, 600_000)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_config as config;

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("FOLIO_MAX_JSON_BYTES", "lots"),
            ("FOLIO_RATE_LIMIT_PER_MINUTE", "-1"),
        ] {
            let e = config(&[(var, value)]).unwrap_err();
            assert_eq!(e.var, var, "{var}={value}");
        }
    }
}
