//! Black-box tests: the real app on a random port, a real PostgreSQL
//! database per test. One binary, so it links once.

mod access_matrix;
mod api_keys;
mod auth;
mod authors;
mod cli;
mod concurrency;
mod errors;
mod faults;
mod feeds;
mod health;
mod helpers;
mod hostile;
mod html_document;
mod login_limits;
mod migrations;
mod openapi;
mod operations;
mod posts;
mod posts_markdown;
mod preview;
mod read_cache;
mod read_list;
mod read_search;
mod rendering;
mod rerender;
mod response_cache;
mod revisions;
mod scheduling;
mod seo;
mod sessions;
mod shutdown;
mod slug_aliases;
mod sync;
mod tags;
mod users;
