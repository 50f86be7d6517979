//! Preview tokens: `folio_pv_` and 43 base64url characters (256 random
//! bits), stored as their SHA-256 like API keys. A token reads one post,
//! as it is now or as one revision was, until it expires or is revoked;
//! it is no credential for anything else (the gate refuses it elsewhere).

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::secret;
use crate::db::previews;
use crate::error::AppError;
use crate::state::AppState;

pub const PREFIX: &str = "folio_pv_";
/// How much of a token is kept in clear to tell links apart in lists.
const SHOWN_CHARS: usize = PREFIX.len() + 6;
/// The query parameter a link carries its token in.
pub const QUERY_PARAM: &str = "preview_token";

/// A new token and its shown prefix.
pub fn generate() -> (String, String) {
    let token = format!("{PREFIX}{}", secret::generate());
    let shown = token[..SHOWN_CHARS].to_owned();
    (token, shown)
}

pub fn looks_like_token(token: &str) -> bool {
    token.starts_with(PREFIX)
}

/// What a valid preview token grants: one post, maybe pinned.
#[derive(Debug, Clone)]
pub struct PreviewGrant {
    pub preview_id: Uuid,
    pub post_id: Uuid,
    /// The pinned revision and its content, when the link is pinned.
    pub pinned: Option<(i32, serde_json::Value)>,
    pub expires_at: DateTime<Utc>,
}

/// Checks a token against the database: live, unexpired, its post still
/// there and its maker still enabled.
pub async fn authenticate(state: &AppState, token: &str) -> Result<PreviewGrant, AppError> {
    let invalid = || {
        AppError::Unauthorized(
            "the preview link is invalid, expired or revoked, or its post was deleted".into(),
        )
    };
    let mut conn = state.conn().await?;
    let preview = previews::find_usable(&mut conn, &secret::digest(token))
        .await?
        .ok_or_else(invalid)?;
    previews::touch(&mut conn, &preview).await?;
    Ok(PreviewGrant {
        preview_id: preview.id,
        post_id: preview.post_id,
        pinned: preview.revision.zip(preview.snapshot),
        expires_at: preview.expires_at,
    })
}

/// The token of a request: the bearer credential when it is a preview
/// token, else the `preview_token` query parameter.
pub fn token_of(bearer: Option<&str>, query: &str) -> Option<String> {
    if let Some(token) = bearer.filter(|t| looks_like_token(t)) {
        return Some(token.to_owned());
    }
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == QUERY_PARAM)
        .map(|(_, v)| v.into_owned())
}

/// The grant the gate stored; operations that take only a preview token
/// extract it (the gate has already refused requests without one).
impl FromRequest for PreviewGrant {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<PreviewGrant>()
                .cloned()
                .ok_or_else(|| AppError::Unauthorized("a preview token is required".into())),
        )
    }
}

/// The grant, when the caller sent a preview token (operations that also
/// take other credentials, like the event stream).
#[derive(Debug, Clone)]
pub struct MaybePreview(pub Option<PreviewGrant>);

impl FromRequest for MaybePreview {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(req.extensions().get::<PreviewGrant>().cloned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_their_prefix_and_are_found_in_the_header_or_the_query() {
        let (token, shown) = generate();
        assert!(looks_like_token(&token));
        assert_eq!(token.len(), PREFIX.len() + 43);
        assert!(token.starts_with(&shown));
        assert_eq!(token_of(Some(&token), ""), Some(token.clone()));
        assert_eq!(
            token_of(None, &format!("format=document&preview_token={token}")),
            Some(token.clone())
        );
        // Another credential in the header is not a preview token.
        assert_eq!(token_of(Some("folio_abc"), ""), None);
    }
}
