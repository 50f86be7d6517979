//! Strong ETags on single-post responses and `If-Match` on writes, so two
//! editors working from the same copy cannot overwrite each other.
//!
//! The check runs inside the write's transaction, after the row is locked
//! (`SELECT … FOR UPDATE`): of two writers racing with the same ETag, the
//! second sees the first one's new version and gets 412.

use std::future::{Ready, ready};

use actix_web::http::header::{self, Header};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use crate::db::posts::Post;
use crate::error::AppError;
use crate::state::AppState;

/// The longest `If-Match` accepted.
pub const MAX_IF_MATCH_BYTES: usize = 1_024;

/// A representation of a post other than its JSON.
#[derive(Debug, Clone, Copy)]
pub enum Representation {
    Json,
    Markdown,
    Html,
}

impl Representation {
    fn suffix(self) -> &'static str {
        match self {
            Self::Json => "",
            Self::Markdown => "-md",
            Self::Html => "-html",
        }
    }
}

/// The one place a post's entity tag is made: its id and its version,
/// which a database trigger raises on every write, so the tag changes
/// exactly when the stored post does. Each representation has its own tag
/// (strong validators are per representation); any of them works in
/// `If-Match`.
pub fn post_etag(post: &Post, representation: Representation) -> String {
    format!(
        "\"{}-{}{}\"",
        post.id.simple(),
        post.version,
        representation.suffix()
    )
}

/// The `ETag` header for a post's JSON.
pub fn etag_header(post: &Post) -> (header::HeaderName, String) {
    (header::ETAG, post_etag(post, Representation::Json))
}

/// A request's `If-Match`. Extracting it answers 428 when
/// `FOLIO_REQUIRE_IF_MATCH` is on and the header is absent, and 400 when
/// it is malformed.
#[derive(Debug, Clone)]
pub enum IfMatch {
    Absent,
    Any,
    Tags(Vec<header::EntityTag>),
}

impl IfMatch {
    /// 412 unless the post still is what the client last saw. Weak tags
    /// never match (RFC 9110 compares `If-Match` strongly).
    pub fn check(&self, post: &Post) -> Result<(), AppError> {
        let matches = |tag: &header::EntityTag| {
            !tag.weak
                && [
                    Representation::Json,
                    Representation::Markdown,
                    Representation::Html,
                ]
                .iter()
                .any(|r| {
                    // The same tag from a compressed response names the same version.
                    post_etag(post, *r).trim_matches('"')
                        == crate::encoding::without_encoding(tag.tag())
                })
        };
        match self {
            Self::Absent | Self::Any => Ok(()),
            Self::Tags(tags) if tags.iter().any(matches) => Ok(()),
            Self::Tags(_) => Err(AppError::PreconditionFailed(
                "the post has changed since you fetched it: If-Match does not match its ETag; \
                 fetch it again and reapply your change"
                    .into(),
            )),
        }
    }

    fn from_request_sync(req: &HttpRequest) -> Result<Self, AppError> {
        if !req.headers().contains_key(header::IF_MATCH) {
            let required = req
                .app_data::<web::Data<AppState>>()
                .is_some_and(|s| s.config.site.require_if_match);
            return if required {
                Err(AppError::PreconditionRequired(
                    "this server requires If-Match with the post's ETag on writes".into(),
                ))
            } else {
                Ok(Self::Absent)
            };
        }
        // The longest list of tags a client needs is far below this.
        if req
            .headers()
            .get(header::IF_MATCH)
            .is_some_and(|v| v.len() > MAX_IF_MATCH_BYTES)
        {
            return Err(AppError::BadRequest(format!(
                "If-Match is longer than {MAX_IF_MATCH_BYTES} bytes"
            )));
        }
        match header::IfMatch::parse(req) {
            Ok(header::IfMatch::Any) => Ok(Self::Any),
            Ok(header::IfMatch::Items(tags)) if !tags.is_empty() => Ok(Self::Tags(tags)),
            _ => Err(AppError::BadRequest(
                "If-Match must be `*` or a list of quoted entity tags".into(),
            )),
        }
    }
}

impl FromRequest for IfMatch {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::from_request_sync(req))
    }
}
