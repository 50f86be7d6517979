//! Who is calling: password hashing, access tokens and the extractors that
//! turn an `Authorization` header into a known, enabled user.

pub mod extractor;
pub mod password;
pub mod role;
pub mod tokens;

pub use extractor::{Caller, MaybeCaller};
pub use role::Role;
