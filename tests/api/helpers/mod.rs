pub mod proxy;
pub mod raw_http;
pub mod test_app;
pub mod test_db;

pub use test_app::TestApp;
