//! Black-box tests: the real app on a random port, a real PostgreSQL
//! database per test. One binary, so it links once.

mod auth;
mod authors;
mod cli;
mod concurrency;
mod errors;
mod faults;
mod health;
mod helpers;
mod migrations;
mod openapi;
mod operations;
mod posts;
mod posts_markdown;
mod revisions;
mod scheduling;
mod seo;
mod shutdown;
mod slug_aliases;
mod sync;
mod tags;
