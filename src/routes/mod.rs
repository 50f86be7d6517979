//! The HTTP surface: one module per resource, one file per operation.

pub mod api_keys;
pub mod auth;
pub mod authors;
pub mod docs;
pub mod events;
pub mod fallback;
pub mod feeds;
pub mod health;
pub mod json;
pub mod media;
pub mod operations;
pub mod posts;
pub mod previews;
pub mod render;
pub mod tags;
pub mod users;
pub mod webhooks;

use utoipa_actix_web::{scope, service_config::ServiceConfig};

/// Registers every route. The same tree serves the app, the tests and the
/// OpenAPI document, so they cannot disagree.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::live)
        .service(health::ready)
        .service(feeds::rss::rss_feed)
        .service(feeds::atom::atom_feed)
        .service(feeds::json_feed::json_feed)
        .service(feeds::sitemap::sitemap)
        .service(health::metrics)
        .service(media::serve::get_media_file)
        .service(media::serve::get_media_variant)
        .service(
            scope::scope("/api/v1")
                .service(auth::login::login)
                .service(auth::refresh::refresh)
                .service(auth::logout::logout)
                .service(auth::me::me)
                .service(auth::password::change_password)
                .service(users::list::list_users)
                .service(users::create::create_user)
                .service(users::get::get_user)
                .service(users::update::update_user)
                .service(users::delete::delete_user)
                .service(users::login_throttle::clear_login_throttle)
                .service(api_keys::list::list_api_keys)
                .service(api_keys::create::create_api_key)
                .service(api_keys::delete::delete_api_key)
                .service(webhooks::list::list_webhooks)
                .service(webhooks::create::create_webhook)
                .service(webhooks::get::get_webhook)
                .service(webhooks::update::update_webhook)
                .service(webhooks::delete::delete_webhook)
                .service(webhooks::rotate_secret::rotate_webhook_secret)
                .service(webhooks::ping::ping_webhook)
                .service(webhooks::test_delivery::test_webhook)
                .service(webhooks::deliveries::list_webhook_deliveries)
                .service(webhooks::deliveries::redeliver_webhook_delivery)
                .service(posts::list::list_posts)
                .service(posts::create::create_post)
                .service(posts::bulk::bulk_posts)
                .service(posts::get::get_post)
                .service(posts::html::get_post_html)
                .service(posts::update::update_post)
                .service(posts::replace::replace_post)
                .service(posts::delete::delete_post)
                .service(posts::revisions::list_revisions)
                .service(posts::revisions::get_revision)
                .service(posts::revisions::restore_revision)
                .service(posts::sync::sync_posts)
                .service(previews::manage::create_preview)
                .service(previews::manage::list_previews)
                .service(previews::manage::delete_preview)
                .service(previews::read::get_preview)
                .service(previews::read::get_preview_html)
                .service(events::stream_events)
                .service(tags::read::list_tags)
                .service(tags::read::get_tag)
                .service(tags::write::create_tag)
                .service(tags::write::update_tag)
                .service(tags::write::delete_tag)
                .service(media::upload::upload_media)
                .service(media::library::list_media)
                .service(media::library::get_media)
                .service(media::library::update_media)
                .service(media::library::delete_media)
                .service(authors::list_authors)
                .service(authors::get_author)
                .service(render::render_preview),
        );
}
