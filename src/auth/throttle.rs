//! Login rate limits, per account and per client address, kept in
//! PostgreSQL so they hold across every instance.
//!
//! Every attempt is counted before the password is checked; a successful
//! one is then taken back, so only failures use up the allowance. The
//! account counter is keyed by the email as typed (lowercased), whether or
//! not such an account exists, so a 429 reveals nothing about accounts.

use std::net::IpAddr;

use actix_web::HttpRequest;
use diesel_async::AsyncPgConnection;

use crate::config::Config;
use crate::db::login_throttle;
use crate::error::AppError;

/// The two counters one login attempt is charged to.
pub struct Attempt {
    account: String,
    address: String,
}

impl Attempt {
    /// Counts an attempt; a 429 with `Retry-After` when either counter is
    /// past its limit.
    pub async fn begin(
        conn: &mut AsyncPgConnection,
        config: &Config,
        email: &str,
        address: &str,
    ) -> Result<Self, AppError> {
        let attempt = Self {
            account: format!("account:{}", email.trim().to_lowercase()),
            address: format!("address:{address}"),
        };
        let window = config.login_window;
        // The address first: a client past its limit is turned away before
        // it can make the account table grow with made-up emails.
        let by_address = login_throttle::count_attempt(conn, &attempt.address, window).await?;
        if by_address.failures > config.login_max_failures_per_address as i32 {
            return Err(too_many(by_address.remaining));
        }
        let account = login_throttle::count_attempt(conn, &attempt.account, window).await?;
        if account.failures > config.login_max_failures_per_account as i32 {
            // Not the address's fault alone: give its attempt back.
            login_throttle::forgive(conn, &attempt.address).await?;
            return Err(too_many(account.remaining));
        }
        Ok(attempt)
    }

    /// The password was right: the account starts afresh and the address
    /// gets its attempt back.
    pub async fn succeeded(
        self,
        conn: &mut AsyncPgConnection,
        config: &Config,
    ) -> Result<(), AppError> {
        login_throttle::reset(conn, &self.account, config.login_window).await?;
        login_throttle::forgive(conn, &self.address).await?;
        Ok(())
    }
}

fn too_many(remaining_secs: f64) -> AppError {
    AppError::TooManyRequests(remaining_secs.ceil().max(1.0) as u64)
}

/// The client's address as the rate limit sees it (see
/// [`client_ip`](crate::middleware::rate_limit::client_ip)). IPv6 clients
/// usually hold a whole /64, so they are counted by it.
pub fn client_address(req: &HttpRequest, config: &Config) -> String {
    let peer = req.peer_addr().map(|a| a.ip());
    match crate::middleware::rate_limit::client_ip(peer, req.headers(), &config.trusted_proxies) {
        Some(ip) => bucket(ip),
        None => "unknown".to_owned(),
    }
}

fn bucket(ip: IpAddr) -> String {
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
