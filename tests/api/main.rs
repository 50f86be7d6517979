//! Black-box tests: the real app on a random port, a real PostgreSQL
//! database per test. One binary, so it links once.

mod auth;
mod errors;
mod feeds;
mod health;
mod helpers;
mod migrations;
mod openapi;
mod posts;
mod posts_markdown;
mod read_cache;
mod read_list;
mod read_search;
