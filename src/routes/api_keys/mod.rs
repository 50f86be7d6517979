//! `/api/v1/api-keys`: keys for integrations. Admins only, with an access
//! token (a key cannot mint or revoke keys).

pub mod create;
pub mod delete;
pub mod dto;
pub mod list;
