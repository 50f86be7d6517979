//! Black-box tests: the real app on a random port, a real PostgreSQL
//! database per test. One binary, so it links once.

mod access_matrix;
mod api_keys;
mod auth;
mod errors;
mod health;
mod helpers;
mod login_limits;
mod migrations;
mod openapi;
mod posts;
mod posts_markdown;
mod sessions;
mod users;
