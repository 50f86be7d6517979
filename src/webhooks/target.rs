//! Where webhooks may go: the SSRF guard.
//!
//! A webhook URL is chosen by an admin, but the request is made from
//! inside the network Folio runs in, where a URL can reach what the admin
//! cannot: the cloud metadata service, the database, an internal admin
//! page. So loopback, private, link-local, shared, reserved and metadata
//! addresses are refused unless `FOLIO_WEBHOOK_ALLOWED_NETWORKS` names
//! them.
//!
//! The check is made on the addresses the connection is actually made to:
//! the HTTP client resolves names through [`GuardedResolver`], which drops
//! internal addresses before the client sees them, so a name that
//! resolves to a public address when created and to `127.0.0.1` when
//! delivered (DNS rebinding) still cannot reach loopback. An address
//! written in the URL is checked by [`check_url`] (no resolution happens
//! for it). Redirects are not followed and proxies from the environment
//! are not used: either would connect somewhere unchecked.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use crate::config::webhooks::WebhookConfig;

/// Why a URL cannot be a webhook target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("must be an absolute http or https URL")]
    NotHttp,
    #[error("{0} is an internal address; set FOLIO_WEBHOOK_ALLOWED_NETWORKS to allow it")]
    Internal(IpAddr),
    #[error(
        "{0} resolves only to internal addresses; set FOLIO_WEBHOOK_ALLOWED_NETWORKS to allow them"
    )]
    ResolvesInternal(String),
}

/// Checks a URL as written: its scheme, and its host when that is an
/// address. Names are checked when connecting.
pub fn check_url(url: &str, allowed: &[IpNet]) -> Result<Url, Refused> {
    let url = Url::parse(url).map_err(|_| Refused::NotHttp)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refused::NotHttp);
    }
    let ip = match url.host() {
        None => return Err(Refused::NotHttp),
        Some(Host::Domain(_)) => return Ok(url),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
    };
    if permitted(ip, allowed) {
        Ok(url)
    } else {
        Err(Refused::Internal(ip))
    }
}

/// Whether Folio may connect to `ip`.
pub fn permitted(ip: IpAddr, allowed: &[IpNet]) -> bool {
    !is_internal(ip) || allowed.iter().any(|net| net.contains(&ip))
}

/// Addresses that are not somebody's public server: everything the IANA
/// special-purpose registries mark as not globally reachable, plus the
/// ranges that embed an IPv4 address (checked as that address).
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16: the cloud metadata service lives here
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0 // "this network"
        || (a == 100 && (b & 0xc0) == 64) // 100.64/10, carrier-grade NAT
        || (a == 192 && b == 0 && c == 0) // 192.0.0/24, protocol assignments
        || (a == 198 && (b & 0xfe) == 18) // 198.18/15, benchmarking
        || a >= 240 // reserved
}

fn internal_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return internal_v4(v4);
    }
    let s = ip.segments();
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach an IPv4 address.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return internal_v4(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ));
    }
    if s[0] == 0x2002 {
        return internal_v4(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // fc00::/7 unique local (AWS's fd00:ec2::254 too)
        || (s[0] & 0xffc0) == 0xfe80 // fe80::/10 link-local
        || (s[0] & 0xffc0) == 0xfec0 // fec0::/10 site-local (deprecated, still routed)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // 100::/64 discard
        || (s[0..5] == [0, 0, 0, 0, 0] && s[5] == 0) // ::/96 IPv4-compatible (deprecated)
}

/// Resolves names with the system resolver and keeps only the addresses
/// Folio may connect to.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    allowed: Arc<Vec<IpNet>>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allowed = self.allowed.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| permitted(a.ip(), &allowed))
                .collect();
            if kept.is_empty() && !found.is_empty() {
                return Err(Box::new(Refused::ResolvesInternal(host)) as _);
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// The HTTP client deliveries use: guarded names, no redirects, no
/// proxies, one deadline per attempt.
pub fn client(config: &WebhookConfig) -> reqwest::Result<reqwest::Client> {
    crate::cli::install_tls();
    reqwest::Client::builder()
        .dns_resolver(GuardedResolver {
            allowed: Arc::new(config.allowed_networks.clone()),
        })
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(config.timeout)
        .connect_timeout(config.timeout)
        .user_agent(concat!("Folio-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_refused_unless_allowed() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "::127.0.0.1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(is_internal(ip), "{ip} should be internal");
        }
        for ip in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "2002:0808:0808::",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(!is_internal(ip), "{ip} should be public");
        }
        let loopback: Vec<IpNet> = vec!["127.0.0.0/8".parse().unwrap()];
        assert!(permitted("127.0.0.1".parse().unwrap(), &loopback));
        assert!(!permitted("10.0.0.1".parse().unwrap(), &loopback));
    }

    #[test]
    fn urls_are_checked_as_written() {
        assert_eq!(check_url("ftp://example.com/", &[]), Err(Refused::NotHttp));
        assert_eq!(check_url("/relative", &[]), Err(Refused::NotHttp));
        assert!(check_url("https://example.com/hook", &[]).is_ok());
        // Spellings of loopback and metadata the URL parser normalises.
        for url in [
            "http://127.1/",
            "http://2130706433/",
            "http://0x7f.0.0.1/",
            "http://[::ffff:7f00:1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]:8080/",
        ] {
            assert!(
                matches!(check_url(url, &[]), Err(Refused::Internal(_))),
                "{url}"
            );
        }
    }
}
