//! Rate limits for the whole API, per client address and per credential.
//!
//! The buckets live in this instance's memory (GCRA, via `governor`): with
//! N instances behind a balancer a client gets up to N times the limit.
//! That is deliberate — a database round trip per request would cost more
//! than the abuse it stops. The limits that must hold across instances
//! (login attempts) are kept in PostgreSQL instead.

use std::hash::BuildHasher;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use ipnet::IpNet;

use crate::error::AppError;

type Limiter<K> =
    RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Address(IpAddr),
    /// A hash of the credential, so no token sits in memory as a key.
    Credential(u64),
}

pub struct RateLimits {
    limiter: Limiter<Key>,
    burst: u32,
    per_minute: u32,
    trusted_proxies: Vec<IpNet>,
}

static CREDENTIAL_HASHER: LazyLock<std::collections::hash_map::RandomState> =
    LazyLock::new(Default::default);

impl RateLimits {
    /// `per_minute` requests a minute on average, in bursts of up to `burst`;
    /// `None` when `per_minute` is zero (limits off).
    pub fn new(per_minute: u32, burst: u32, trusted_proxies: Vec<IpNet>) -> Option<Arc<Self>> {
        let rate = NonZeroU32::new(per_minute)?;
        let burst_nz = NonZeroU32::new(burst).unwrap_or(rate);
        let limiter = RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst_nz))
            .with_middleware::<StateInformationMiddleware>();
        Some(Arc::new(Self {
            limiter,
            burst: burst_nz.get(),
            per_minute,
            trusted_proxies,
        }))
    }

    /// Forgets idle buckets; called periodically so memory stays bounded.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    fn client_address(&self, req: &ServiceRequest) -> Option<IpAddr> {
        client_ip(
            req.peer_addr().map(|a| a.ip()),
            req.headers(),
            &self.trusted_proxies,
        )
    }

    /// Checks every key of a request; the tightest one decides.
    fn check(&self, req: &ServiceRequest) -> Result<u32, Duration> {
        let mut keys = Vec::with_capacity(2);
        if let Some(ip) = self.client_address(req) {
            keys.push(Key::Address(per_client(ip)));
        }
        if let Some(credential) = req.headers().get(header::AUTHORIZATION) {
            keys.push(Key::Credential(
                CREDENTIAL_HASHER.hash_one(credential.as_bytes()),
            ));
        }
        let mut remaining = self.burst;
        for key in keys {
            match self.limiter.check_key(&key) {
                Ok(snapshot) => remaining = remaining.min(snapshot.remaining_burst_capacity()),
                Err(not_until) => {
                    return Err(not_until.wait_time_from(DefaultClock::default().now()));
                }
            }
        }
        Ok(remaining)
    }
}

/// The client's address: the peer, or — only when the peer is a trusted
/// proxy — the last untrusted address in `X-Forwarded-For` (entries before
/// it are whatever the client chose to send). Rate limits and login
/// throttling both use this, so a client is the same client to both.
pub fn client_ip(
    peer: Option<IpAddr>,
    headers: &header::HeaderMap,
    trusted_proxies: &[IpNet],
) -> Option<IpAddr> {
    let peer = peer?;
    let trusted = |ip: &IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    if !trusted(&peer) {
        return Some(peer);
    }
    let forwarded = headers
        .get_all(HeaderName::from_static("x-forwarded-for"))
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !trusted(ip))
            .unwrap_or(peer),
    )
}

/// The address a client is counted by: IPv4 as it is, IPv6 by its /64
/// (one subscriber usually holds a whole /64, and would otherwise get 2^64
/// buckets).
pub fn per_client(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(std::net::Ipv6Addr::from(bits))
            }
        },
        v4 => v4,
    }
}

fn set(headers: &mut header::HeaderMap, name: &'static str, value: u64) {
    headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
}

pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    // Probes and scrapes are never limited.
    let exempt = req.path().starts_with("/health/") || req.path() == "/metrics";
    let limits = req
        .app_data::<web::Data<Option<Arc<RateLimits>>>>()
        .and_then(|d| d.as_ref().clone());
    let Some(limits) = limits.filter(|_| !exempt) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    // Seconds until a fully drained bucket is full again.
    let reset = u64::from(limits.burst) * 60 / u64::from(limits.per_minute.max(1));
    match limits.check(&req) {
        Ok(remaining) => {
            let mut res = next.call(req).await?.map_into_left_body();
            let headers = res.headers_mut();
            set(headers, "ratelimit-limit", u64::from(limits.burst));
            set(headers, "ratelimit-remaining", u64::from(remaining));
            set(headers, "ratelimit-reset", reset);
            Ok(res)
        }
        Err(wait) => {
            let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let mut res = AppError::TooManyRequests(retry_after).error_response();
            let headers = res.headers_mut();
            set(headers, "ratelimit-limit", u64::from(limits.burst));
            set(headers, "ratelimit-remaining", 0);
            set(headers, "ratelimit-reset", retry_after);
            Ok(req.into_response(res).map_into_right_body())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_by_their_64_prefix() {
        let a = per_client("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = per_client("2001:db8:1:2:ffff:1:2:3".parse().unwrap());
        assert_eq!(a, b);
        assert_eq!(a, "2001:db8:1:2::".parse::<IpAddr>().unwrap());
        assert_ne!(a, per_client("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(
            per_client("::ffff:10.0.0.1".parse().unwrap()),
            "10.0.0.1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            per_client("10.0.0.1".parse().unwrap()),
            "10.0.0.1".parse::<IpAddr>().unwrap()
        );
    }
}
