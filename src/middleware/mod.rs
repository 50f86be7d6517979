//! Cross-cutting request handling: request ids and access logs, metrics,
//! security headers, rate limits.

pub mod gate;
pub mod limits;
pub mod metrics;
pub mod observe;
pub mod rate_limit;
pub mod security_headers;
