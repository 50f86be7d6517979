//! Preview links and the live event stream.
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `FOLIO_PREVIEW_MAX_TTL_SECS` | `604800` (7 days) | Longest a preview link may be made to last (60–31536000); links default to 1 day, or this when shorter |
//! | `FOLIO_EVENTS_MAX_STREAMS` | `1000` | Event streams one instance holds open at once; more get a 503 with `Retry-After` (0 turns the stream off, up to 100000) |
//! | `FOLIO_EVENTS_MAX_STREAMS_PER_CLIENT` | `16` | Event streams one client address (an IPv6 /64) may hold open on an instance; more get a 429 (1–100000) |
//! | `FOLIO_EVENTS_HEARTBEAT_SECS` | `15` | Seconds between heartbeats on an idle stream; each one also re-checks the subscriber's credential (1–300) |

use std::time::Duration;

use super::DefaultIs::{Noted, Value};
use super::{ConfigError, Variable, Vars, variable};

pub const PREVIEW_MAX_TTL_SECS: Variable =
    variable!("FOLIO_PREVIEW_MAX_TTL_SECS", Noted("604800", "7 days"));
pub const EVENTS_MAX_STREAMS: Variable = variable!("FOLIO_EVENTS_MAX_STREAMS", Value("1000"));
pub const EVENTS_MAX_STREAMS_PER_CLIENT: Variable =
    variable!("FOLIO_EVENTS_MAX_STREAMS_PER_CLIENT", Value("16"));
pub const EVENTS_HEARTBEAT_SECS: Variable = variable!("FOLIO_EVENTS_HEARTBEAT_SECS", Value("15"));

pub const VARIABLES: &[Variable] = &[
    PREVIEW_MAX_TTL_SECS,
    EVENTS_MAX_STREAMS,
    EVENTS_MAX_STREAMS_PER_CLIENT,
    EVENTS_HEARTBEAT_SECS,
];

#[derive(Debug, Clone)]
pub struct LiveConfig {
    pub preview_max_ttl: Duration,
    pub max_streams: usize,
    pub max_streams_per_client: usize,
    pub heartbeat: Duration,
}

impl LiveConfig {
    pub fn read(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            preview_max_ttl: vars.secs(&PREVIEW_MAX_TTL_SECS, 60, 31_536_000)?,
            max_streams: vars.var_parsed(&EVENTS_MAX_STREAMS, 0, 100_000)?,
            max_streams_per_client: vars.var_parsed(&EVENTS_MAX_STREAMS_PER_CLIENT, 1, 100_000)?,
            heartbeat: vars.secs(&EVENTS_HEARTBEAT_SECS, 1, 300)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_config as config;

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("FOLIO_PREVIEW_MAX_TTL_SECS", "10"),
            ("FOLIO_EVENTS_MAX_STREAMS", "-1"),
            ("FOLIO_EVENTS_HEARTBEAT_SECS", "0"),
        ] {
            let e = config(&[(var, value)]).unwrap_err();
            assert_eq!(e.var, var, "{var}={value}");
        }
        let c = config(&[("FOLIO_EVENTS_MAX_STREAMS", "0")]).unwrap();
        assert_eq!(c.live.max_streams, 0);
    }
}
