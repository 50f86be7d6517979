//! Webhook delivery: how hard Folio tries, and where it may send.
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `FOLIO_WEBHOOK_CONCURRENCY` | `4` | Deliveries in flight at once per instance (1–256) |
//! | `FOLIO_WEBHOOK_TIMEOUT_MS` | `10000` | Longest one delivery attempt may take, connection included (100–120000) |
//! | `FOLIO_WEBHOOK_MAX_ATTEMPTS` | `10` | Attempts before a delivery is given up (1–100) |
//! | `FOLIO_WEBHOOK_RETRY_BASE_MS` | `5000` | Wait before the first retry; each further one doubles it, with jitter (10–3600000) |
//! | `FOLIO_WEBHOOK_RETRY_MAX_MS` | `3600000` (1 hour) | Longest wait between two attempts (10–86400000) |
//! | `FOLIO_WEBHOOK_DISABLE_AFTER_SECS` | `259200` (3 days) | A webhook whose every delivery failed for this long is switched off, with the reason (60–31536000) |
//! | `FOLIO_WEBHOOK_LOG_DAYS` | `30` | Days the delivery log (and delivered events) are kept (1–3650) |
//! | `FOLIO_WEBHOOK_POLL_MS` | `1000` | How often each instance looks for retries that fell due; new events wake it at once (10–60000) |
//! | `FOLIO_WEBHOOK_ALLOWED_NETWORKS` | none | Networks (CIDRs) webhooks may reach although they are loopback, private, link-local or otherwise internal, e.g. `10.1.0.0/16`; by default such targets are refused |

use std::time::Duration;

use super::DefaultIs::{Noted, Value, Words};
use super::{ConfigError, Variable, Vars, variable};

pub const CONCURRENCY: Variable = variable!("FOLIO_WEBHOOK_CONCURRENCY", Value("4"));
pub const TIMEOUT_MS: Variable = variable!("FOLIO_WEBHOOK_TIMEOUT_MS", Value("10000"));
pub const MAX_ATTEMPTS: Variable = variable!("FOLIO_WEBHOOK_MAX_ATTEMPTS", Value("10"));
pub const RETRY_BASE_MS: Variable = variable!("FOLIO_WEBHOOK_RETRY_BASE_MS", Value("5000"));
pub const RETRY_MAX_MS: Variable =
    variable!("FOLIO_WEBHOOK_RETRY_MAX_MS", Noted("3600000", "1 hour"));
pub const DISABLE_AFTER_SECS: Variable = variable!(
    "FOLIO_WEBHOOK_DISABLE_AFTER_SECS",
    Noted("259200", "3 days")
);
pub const LOG_DAYS: Variable = variable!("FOLIO_WEBHOOK_LOG_DAYS", Value("30"));
pub const POLL_MS: Variable = variable!("FOLIO_WEBHOOK_POLL_MS", Value("1000"));
pub const ALLOWED_NETWORKS: Variable = variable!("FOLIO_WEBHOOK_ALLOWED_NETWORKS", Words("none"));

pub const VARIABLES: &[Variable] = &[
    CONCURRENCY,
    TIMEOUT_MS,
    MAX_ATTEMPTS,
    RETRY_BASE_MS,
    RETRY_MAX_MS,
    DISABLE_AFTER_SECS,
    LOG_DAYS,
    POLL_MS,
    ALLOWED_NETWORKS,
];

#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub concurrency: usize,
    pub timeout: Duration,
    pub max_attempts: u32,
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub disable_after: Duration,
    pub log_retention: Duration,
    pub poll: Duration,
    /// Internal networks webhooks may reach anyway.
    pub allowed_networks: Vec<ipnet::IpNet>,
}

impl WebhookConfig {
    pub fn read(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        let allowed_networks = vars.networks(&ALLOWED_NETWORKS)?;
        Ok(Self {
            concurrency: vars.var_parsed(&CONCURRENCY, 1, 256)?,
            timeout: vars.millis(&TIMEOUT_MS, 100, 120_000)?,
            max_attempts: vars.var_parsed(&MAX_ATTEMPTS, 1, 100)?,
            retry_base: vars.millis(&RETRY_BASE_MS, 10, 3_600_000)?,
            retry_max: vars.millis(&RETRY_MAX_MS, 10, 86_400_000)?,
            disable_after: vars.secs(&DISABLE_AFTER_SECS, 60, 31_536_000)?,
            log_retention: Duration::from_secs(
                vars.var_parsed::<u64>(&LOG_DAYS, 1, 3_650)? * 86_400,
            ),
            poll: vars.millis(&POLL_MS, 10, 60_000)?,
            allowed_networks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_config as config;

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("FOLIO_WEBHOOK_CONCURRENCY", "0"),
            ("FOLIO_WEBHOOK_TIMEOUT_MS", "10"),
            ("FOLIO_WEBHOOK_ALLOWED_NETWORKS", "10.0.0.0/8, nonsense"),
        ] {
            let e = config(&[(var, value)]).unwrap_err();
            assert_eq!(e.var, var, "{var}={value}");
        }
        let c = config(&[("FOLIO_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8, ::1")]).unwrap();
        assert_eq!(c.webhooks.allowed_networks.len(), 2);
    }
}
