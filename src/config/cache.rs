//! Caching of anonymous reads: the read cache each instance keeps in
//! memory, and the `Cache-Control` header clients and CDNs get.
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `FOLIO_CACHE_MAX_BYTES` | `33554432` (32 MiB) | Memory for ready-to-send published responses per instance; `0` = no read cache (0–68719476736) |
//! | `FOLIO_CACHE_TTL_SECS` | `300` | Longest a read-cache entry is served, however quiet the database (1–86400) |
//! | `FOLIO_CACHE_MAX_AGE_SECS` | `60` | `max-age` of anonymous reads (0–31536000) |
//! | `FOLIO_CACHE_STALE_WHILE_REVALIDATE_SECS` | `300` | `stale-while-revalidate` of anonymous reads (0–31536000) |

use std::time::Duration;

use super::DefaultIs::{Noted, Value};
use super::{ConfigError, Variable, Vars, variable};

pub const CACHE_MAX_BYTES: Variable =
    variable!("FOLIO_CACHE_MAX_BYTES", Noted("33554432", "32 MiB"));
pub const CACHE_TTL_SECS: Variable = variable!("FOLIO_CACHE_TTL_SECS", Value("300"));
pub const CACHE_MAX_AGE_SECS: Variable = variable!("FOLIO_CACHE_MAX_AGE_SECS", Value("60"));
pub const CACHE_STALE_WHILE_REVALIDATE_SECS: Variable =
    variable!("FOLIO_CACHE_STALE_WHILE_REVALIDATE_SECS", Value("300"));

pub const VARIABLES: &[Variable] = &[
    CACHE_MAX_BYTES,
    CACHE_TTL_SECS,
    CACHE_MAX_AGE_SECS,
    CACHE_STALE_WHILE_REVALIDATE_SECS,
];

#[derive(Debug, Clone)]
pub struct CacheConfig {
    /// Bytes of ready-to-send published responses each instance keeps in
    /// memory (0: no read cache).
    pub read_max_bytes: u64,
    /// The longest a read-cache entry is served, however quiet the database.
    pub read_ttl: Duration,
    /// `max-age` of anonymous reads, in seconds.
    pub max_age: u64,
    /// `stale-while-revalidate` of anonymous reads, in seconds.
    pub stale_while_revalidate: u64,
}

impl CacheConfig {
    pub fn read(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            read_max_bytes: vars.var_parsed(&CACHE_MAX_BYTES, 0, 64 << 30)?,
            read_ttl: vars.secs(&CACHE_TTL_SECS, 1, 86_400)?,
            max_age: vars.var_parsed(&CACHE_MAX_AGE_SECS, 0, 31_536_000)?,
            stale_while_revalidate: vars.var_parsed(
                &CACHE_STALE_WHILE_REVALIDATE_SECS,
                0,
                31_536_000,
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_config as config;

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("FOLIO_CACHE_MAX_AGE_SECS", "-1"),
            ("FOLIO_CACHE_TTL_SECS", "0"),
            ("FOLIO_CACHE_MAX_BYTES", "lots"),
        ] {
            let e = config(&[(var, value)]).unwrap_err();
            assert_eq!(e.var, var, "{var}={value}");
        }
    }
}
