//! Folio: a headless CMS that keeps Markdown posts in PostgreSQL and serves
//! them as a JSON API, with rendered, sanitised HTML and an OpenAPI 3.1
//! document.

pub mod auth;
pub mod bootstrap;
pub mod cache;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod encoding;
pub mod error;
pub mod http_cache;
pub mod live;
pub mod media;
pub mod middleware;
pub mod openapi;
pub mod render;
pub mod rerender;
pub mod routes;
pub mod scheduler;
pub mod search_estimates;
pub mod snippet;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod webhooks;
