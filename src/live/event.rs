//! Who may see which change, and how a change is written on the wire.

use std::sync::OnceLock;

use actix_web::web::Bytes;
use uuid::Uuid;

use crate::config::Config;
use crate::db::live::{Change, Filter};
use crate::domain::Visibility;

/// What a stream's subscriber may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscriber {
    /// A reader: public changes, and the drafts their visibility allows.
    Reader(Visibility),
    /// A preview link: the changes of its one post, drafts included.
    Preview(Uuid),
}

impl Subscriber {
    /// Whether this subscriber may see a change.
    pub fn sees(&self, change: &Change) -> bool {
        match self {
            Self::Preview(post) => change.post_id == *post,
            Self::Reader(_) if !change.is_draft() => true,
            Self::Reader(visibility) => change
                .author_id
                .is_some_and(|author| visibility.allows(author, false)),
        }
    }

    /// The database filter for replaying this subscriber's changes.
    pub fn filter(&self) -> Filter {
        match *self {
            Self::Preview(post) => Filter {
                drafts: true,
                author: None,
                post: Some(post),
            },
            Self::Reader(Visibility::Published) => Filter {
                drafts: false,
                author: None,
                post: None,
            },
            Self::Reader(Visibility::PublishedOrOwnedBy(author)) => Filter {
                drafts: true,
                author: Some(author),
                post: None,
            },
            Self::Reader(Visibility::All) => Filter::EVERYTHING,
        }
    }
}

/// A change as an instance hands it to its streams: its frame is written
/// once, by the first stream that sends it, and shared by the others (a
/// thousand subscribers cost one serialisation, not a thousand).
pub struct Relayed {
    pub change: Change,
    frame: OnceLock<Bytes>,
}

impl Relayed {
    pub fn new(change: Change) -> Self {
        Self {
            change,
            frame: OnceLock::new(),
        }
    }

    pub fn frame(&self, config: &Config) -> Bytes {
        self.frame
            .get_or_init(|| Bytes::from(frame(config, &self.change)))
            .clone()
    }
}

/// One event in the `text/event-stream` format: its `id` is the change's
/// `/sync` number (resume after it with `Last-Event-ID`), its data the
/// webhook payload of the same change.
pub fn frame(config: &Config, change: &Change) -> String {
    // Draft changes have no outbox event; their id is made from the change
    // number so that a replay sends the same one.
    let id = change
        .event_id
        .unwrap_or_else(|| Uuid::from_u64_pair(0, change.seq.unsigned_abs()));
    let body = crate::webhooks::payload::body(
        config,
        id,
        &change.event_type,
        change.at,
        &change.data,
        Some(change.seq),
    );
    format!(
        "id: {}\nevent: {}\ndata: {}\n\n",
        change.seq, change.event_type, body
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use serde_json::json;

    fn change(post: Uuid, author: Option<Uuid>, event: Option<Uuid>) -> Change {
        Change {
            seq: 7,
            event_id: event,
            event_type: if event.is_some() {
                "post.published"
            } else {
                "draft.updated"
            }
            .into(),
            post_id: post,
            author_id: author,
            data: json!({"id": post, "slug": "hi", "title": "Hi"}),
            at: Utc::now(),
        }
    }

    #[test]
    fn each_subscriber_sees_what_it_may() {
        let (post, author, other) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let public = change(post, None, Some(Uuid::new_v4()));
        let draft = change(post, Some(author), None);
        let anonymous = Subscriber::Reader(Visibility::Published);
        assert!(anonymous.sees(&public));
        assert!(!anonymous.sees(&draft));
        assert!(Subscriber::Reader(Visibility::PublishedOrOwnedBy(author)).sees(&draft));
        assert!(!Subscriber::Reader(Visibility::PublishedOrOwnedBy(other)).sees(&draft));
        assert!(Subscriber::Reader(Visibility::All).sees(&draft));
        assert!(Subscriber::Preview(post).sees(&draft));
        assert!(!Subscriber::Preview(other).sees(&public));
    }

    #[test]
    fn a_frame_carries_the_change_number_as_its_id() {
        let config = crate::config::test_config(&[]).unwrap();
        let c = change(Uuid::new_v4(), Some(Uuid::new_v4()), None);
        let frame = frame(&config, &c);
        assert!(frame.starts_with("id: 7\nevent: draft.updated\ndata: {"));
        assert!(frame.ends_with("}\n\n"));
        assert!(frame.contains("\"sync_token\":\"6\""));
        // One data line: JSON has no raw newlines.
        assert_eq!(frame.matches('\n').count(), 4);
    }
}
