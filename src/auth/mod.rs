//! Who is calling: password hashing, access and refresh tokens, API keys,
//! login rate limits, and the extractors that turn an `Authorization`
//! header into a known, enabled principal.

pub mod api_key;
pub mod extractor;
pub mod hashing;
pub mod password;
pub mod permissions;
pub mod preview;
pub mod role;
pub mod scope;
pub mod secret;
pub mod session;
pub mod throttle;
pub mod tokens;

pub use extractor::{Caller, Credential, MaybeCaller, Principal};
pub use role::Role;
pub use scope::Scope;
