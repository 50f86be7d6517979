//! `/api/v1/auth`: logging in and out, refreshing, the caller's own account.

pub mod dto;
pub mod login;
pub mod logout;
pub mod me;
pub mod password;
pub mod refresh;
