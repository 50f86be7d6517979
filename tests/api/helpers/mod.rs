pub mod fixtures;
pub mod proxy;
pub mod raw_http;
pub mod test_app;
pub mod test_db;

pub use fixtures::{id_of, post_path, titles};
pub use test_app::TestApp;

/// An HTTP client for tests (after choosing the process's TLS provider).
pub fn http_client() -> reqwest::Client {
    folio::cli::install_tls();
    reqwest::Client::new()
}
