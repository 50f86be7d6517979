//! Black-box tests: the real app on a random port, a real PostgreSQL
//! database per test. One binary, so it links once.

mod auth;
mod errors;
mod health;
mod helpers;
mod hostile;
mod migrations;
mod openapi;
mod posts;
mod posts_markdown;
