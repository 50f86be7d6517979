//! Test helpers: the app under test ([`TestApp`]), its database, shared
//! fixtures, and redactions for snapshots.
//!
//! Snapshots (insta) live in `tests/api/snapshots/*.snap` and are
//! committed. When a response changes on purpose, the snapshot test fails
//! and leaves the new body beside the old one as a `.snap.new` file (with
//! `CI=true`, as in CI, nothing is written: the test just fails). To review:
//!
//! - with `cargo-insta` installed: run the tests, then `cargo insta review`
//!   to accept or reject each pending change;
//! - without it: `INSTA_UPDATE=always cargo test --test api` rewrites the
//!   `.snap` files in place; read `git diff tests/api/snapshots` and commit
//!   what is right (delete any stray `.snap.new`).
//!
//! A changed snapshot is a changed API response: review it as one.

pub mod fixtures;
pub mod proxy;
pub mod raw_http;
pub mod receiver;
pub mod seaweedfs;
pub mod snapshots;
pub mod sse;
pub mod test_app;
pub mod test_db;

pub use fixtures::{id_of, post_path, titles};
pub use test_app::TestApp;

/// An HTTP client for tests (after choosing the process's TLS provider).
pub fn http_client() -> reqwest::Client {
    folio::cli::install_tls();
    reqwest::Client::new()
}
