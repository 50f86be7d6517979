//! Login throttling, per account and address together, per address and
//! per account, kept in PostgreSQL so it holds across every instance.
//!
//! Throttling backs off instead of locking: after a key's free failures,
//! each further failure makes it wait 1, 2, 4… seconds (at most the
//! window) before its next attempt, answered 429 with `Retry-After`
//! meanwhile, even for the right password. The tightest key is the
//! account *with* the address, so one address guessing at an account slows
//! itself down long before the account as a whole backs off: a single
//! address cannot lock anyone else out, and an admin can clear an
//! account's counters (`DELETE /api/v1/users/{id}/login-throttle`).
//!
//! Every attempt is counted before the password is checked; a successful
//! one is then taken back, so only failures use up the allowance. Keys
//! are the email as typed (lowercased), whether or not such an account
//! exists, so a 429 reveals nothing about accounts.

use std::net::IpAddr;

use actix_web::HttpRequest;
use diesel_async::AsyncPgConnection;

use crate::config::Config;
use crate::db::login_throttle;
use crate::error::AppError;

/// The three counters one login attempt is charged to, each with its free
/// failures.
pub struct Attempt {
    keys: [(String, Option<String>, u32); 3],
}

impl Attempt {
    /// Counts an attempt; a 429 with `Retry-After` when any key is waiting
    /// out its back-off (and then nothing stays counted).
    pub async fn begin(
        conn: &mut AsyncPgConnection,
        config: &Config,
        email: &str,
        address: &str,
    ) -> Result<Self, AppError> {
        let account = email.trim().to_lowercase();
        // The address first: a client waiting out its back-off is turned
        // away before it can make the table grow with made-up emails.
        let attempt = Self {
            keys: [
                (
                    format!("address:{address}"),
                    None,
                    config.auth.login_max_failures_per_address,
                ),
                (
                    format!("pair:{address}:{account}"),
                    Some(account.clone()),
                    config.auth.login_free_failures,
                ),
                (
                    format!("account:{account}"),
                    Some(account),
                    config.auth.login_max_failures_per_account,
                ),
            ],
        };
        let window = config.auth.login_window;
        for (i, (key, account, free)) in attempt.keys.iter().enumerate() {
            let counted =
                login_throttle::count_attempt(conn, key, account.as_deref(), *free, window).await?;
            if counted.refused {
                // Not this attempt's fault at the keys before: give it back.
                for (earlier, _, free) in &attempt.keys[..i] {
                    login_throttle::forgive(conn, earlier, *free).await?;
                }
                return Err(too_many(counted.wait));
            }
        }
        Ok(attempt)
    }

    /// The password was right: the account starts afresh (alone and from
    /// this address) and the address gets its attempt back.
    pub async fn succeeded(
        self,
        conn: &mut AsyncPgConnection,
        config: &Config,
    ) -> Result<(), AppError> {
        let [(address, _, free), (pair, _, _), (account, _, _)] = &self.keys;
        login_throttle::reset(conn, pair, config.auth.login_window).await?;
        login_throttle::reset(conn, account, config.auth.login_window).await?;
        login_throttle::forgive(conn, address, *free).await?;
        Ok(())
    }
}

fn too_many(wait_secs: f64) -> AppError {
    AppError::TooManyRequests(wait_secs.ceil().max(1.0) as u64)
}

/// The client's address as the rate limit sees it (see
/// [`client_ip`](crate::middleware::rate_limit::client_ip)). IPv6 clients
/// usually hold a whole /64, so they are counted by it.
pub fn client_address(req: &HttpRequest, config: &Config) -> String {
    let peer = req.peer_addr().map(|a| a.ip());
    match crate::middleware::rate_limit::client_ip(
        peer,
        req.headers(),
        &config.server.trusted_proxies,
    ) {
        Some(ip) => bucket(ip),
        None => "unknown".to_owned(),
    }
}

pub fn bucket(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_are_counted_by_their_64_prefix() {
        let a = bucket("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = bucket("2001:db8:1:2:bbbb::9".parse().unwrap());
        assert_eq!(a, b);
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_ne!(a, bucket("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(bucket("::ffff:10.0.0.1".parse().unwrap()), "10.0.0.1");
        assert_eq!(bucket("10.0.0.1".parse().unwrap()), "10.0.0.1");
    }
}
