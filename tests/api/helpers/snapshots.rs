//! Redactions for insta snapshots of API bodies: what differs from run to
//! run (ids, the server's clocks, secrets, the random port) is replaced by
//! a placeholder, after checking that it has the expected form — so a
//! snapshot still fails when an id stops being a UUID or a timestamp turns
//! into something else. Absent and `null` values are left as they are:
//! a snapshot shows which timestamps are set.
//!
//! A test asserts within [`redacted`] and adds its own redactions in the
//! assertion:
//!
//! ```ignore
//! snapshots::redacted().bind(|| {
//!     insta::assert_json_snapshot!("created_post", post, {
//!         ".published_at" => snapshots::timestamp(),
//!     });
//! });
//! ```
//!
//! How to review a changed snapshot is told in `helpers/mod.rs`.

use insta::internals::{Content, Redaction};
use insta::{Settings, dynamic_redaction};

/// Any `id`, at any depth, must be a UUID and reads `[id]`.
pub fn id() -> Redaction {
    dynamic_redaction(|value, path| match value.as_str() {
        Some(id) => {
            assert!(
                uuid::Uuid::try_parse(id).is_ok(),
                "{path}: {id:?} is no UUID"
            );
            Content::from("[id]")
        }
        None => value,
    })
}

/// An RFC 3339 timestamp reads `[timestamp]`; `null` stays `null`.
pub fn timestamp() -> Redaction {
    dynamic_redaction(|value, path| match value.as_str() {
        Some(at) => {
            assert!(
                chrono::DateTime::parse_from_rfc3339(at).is_ok(),
                "{path}: {at:?} is no RFC 3339 timestamp"
            );
            Content::from("[timestamp]")
        }
        None => value,
    })
}

/// A secret (an access or refresh token, an API key) reads `[secret]`;
/// it must be there, and long enough to be one.
pub fn secret() -> Redaction {
    dynamic_redaction(|value, path| {
        let secret = value
            .as_str()
            .unwrap_or_else(|| panic!("{path}: no secret"));
        assert!(secret.len() >= 32, "{path}: {secret:?} is too short");
        Content::from("[secret]")
    })
}

/// A number of seconds left, which the clock moves, reads `[seconds]`.
pub fn seconds_left() -> Redaction {
    dynamic_redaction(|value, path| {
        assert!(value.as_u64().is_some(), "{path}: no number of seconds");
        Content::from("[seconds]")
    })
}

/// A string that starts with the app's base URL (`http://127.0.0.1:PORT`)
/// reads `[base]…` instead; the port changes with every run.
pub fn base_url(base: &str) -> Redaction {
    let base = base.to_owned();
    dynamic_redaction(move |value, _| match value.as_str() {
        Some(url) if url.starts_with(&base) => Content::from(url.replacen(&base, "[base]", 1)),
        _ => value,
    })
}

/// Settings with the redactions every API snapshot needs: every `id`, and
/// the server's own `created_at` and `updated_at`, at any depth.
pub fn redacted() -> Settings {
    let mut settings = Settings::clone_current();
    settings.add_redaction(".**.id", id());
    settings.add_redaction(".**.created_at", timestamp());
    settings.add_redaction(".**.updated_at", timestamp());
    settings
}
