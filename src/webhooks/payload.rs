//! The JSON a receiver gets, in the Standard Webhooks shape
//! (`type`, `timestamp`, `data`) with the event's `id` beside them.
//!
//! The triggers store what the database knows (the post's id, slug,
//! title, status, dates, and the previous slug or status); the links are
//! added here, from the configuration of the instance that delivers, so
//! that a changed `FOLIO_PUBLIC_URL` is used by every delivery after it.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::config::Config;

/// Every event type a webhook can subscribe to.
pub const EVENT_TYPES: &[&str] = &[
    "post.published",
    "post.updated",
    "post.unpublished",
    "post.deleted",
    "tag.created",
    "tag.updated",
    "tag.deleted",
    "media.created",
    "media.updated",
    "media.deleted",
];

/// Sent by the ping operation only; no subscription is needed for it.
pub const PING: &str = "webhook.ping";

/// The body of a delivery.
pub fn body(
    config: &Config,
    event_id: Uuid,
    event_type: &str,
    at: DateTime<Utc>,
    data: &Value,
    sync_token: Option<i64>,
) -> Value {
    let mut data = data.clone();
    if let Some(object) = data.as_object_mut() {
        // PostgreSQL writes `…+00:00`; the API writes `…Z`. Receivers get
        // the API's form.
        for key in ["published_at", "updated_at"] {
            if let Some(at) = object
                .get(key)
                .and_then(Value::as_str)
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            {
                object.insert(key.into(), json!(at.with_timezone(&Utc)));
            }
        }
        if event_type.starts_with("post.") {
            let slug = object
                .get("slug")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let id = object
                .get("id")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<Uuid>().ok());
            if let (Some(slug), Some(id)) = (slug, id) {
                // A deleted or unpublished post has no public page any more;
                // its links still say which page to drop from a cache.
                object.insert("url".into(), json!(config.post_url(id, &slug)));
                object.insert(
                    "api_url".into(),
                    json!(config.public_link(&format!("/api/v1/posts/{slug}"))),
                );
            }
        }
        if event_type.starts_with("media.") {
            let sha = object
                .get("sha256")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let ext = object.get("ext").and_then(Value::as_str).map(str::to_owned);
            if let (Some(sha), Some(ext)) = (sha, ext) {
                object.insert(
                    "url".into(),
                    json!(config.public_link(&crate::media::original_path(&sha, &ext))),
                );
            }
            if let Some(id) = object.get("id").and_then(Value::as_str).map(str::to_owned) {
                object.insert(
                    "api_url".into(),
                    json!(config.public_link(&format!("/api/v1/media/{id}"))),
                );
            }
        }
        if let Some(token) = sync_token {
            // `/sync?since=<this>` starts with this very change.
            object.insert("sync_token".into(), json!((token - 1).to_string()));
        }
    }
    json!({
        "id": event_id,
        "type": event_type,
        "timestamp": at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "data": data,
    })
}

/// What a test delivery of `event_type` carries: the newest published
/// post, or a made-up one marked `"test": true` when there is none.
pub fn sample_data(event_type: &str, post: Option<Value>) -> Value {
    if event_type.starts_with("tag.") {
        return json!({"slug": "example", "name": "Example", "description": null, "test": true});
    }
    if event_type.starts_with("media.") {
        return json!({
            "id": Uuid::nil(), "sha256": "0".repeat(64), "ext": "png",
            "content_type": "image/png", "width": 1, "height": 1, "alt": null,
            "updated_at": Utc::now().trunc_subsecs(6), "test": true,
        });
    }
    let mut data = post.unwrap_or_else(|| {
        json!({
            "id": Uuid::nil(), "slug": "example", "title": "Example post",
            "status": "published", "published_at": Utc::now().trunc_subsecs(6),
            "updated_at": Utc::now().trunc_subsecs(6),
        })
    });
    if let Some(object) = data.as_object_mut() {
        object.insert("test".into(), json!(true));
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_come_in_the_api_form_and_the_sync_token_points_before_the_change() {
        let config = crate::config::test_config(&[]).unwrap();
        let data = json!({"id": Uuid::nil(), "slug": "hi", "published_at": "2026-12-01T18:00:00.196919+00:00"});
        let body = body(
            &config,
            Uuid::nil(),
            "post.published",
            Utc::now(),
            &data,
            Some(42),
        );
        assert_eq!(body["data"]["published_at"], "2026-12-01T18:00:00.196919Z");
        assert_eq!(body["data"]["sync_token"], "41");
        assert!(
            body["data"]["api_url"]
                .as_str()
                .unwrap()
                .ends_with("/api/v1/posts/hi")
        );
        assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    }
}
