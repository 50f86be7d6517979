//! Who is calling, and the extractors that hand it to handlers.
//!
//! A bearer credential is either an access token (a JWT, for users) or an
//! API key (`folio_…`, for integrations). The gate authenticates it once
//! per request, before the permission table is checked; every
//! authenticated request re-reads the user (for a key, the admin who made
//! it) and, for a token, its session, so a disabled or deleted user, a
//! changed password or an ended session locks the token out from the very
//! next request, on every instance.

use std::future::{Ready, ready};

use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload};
use uuid::Uuid;

use super::{Role, Scope, api_key};
use crate::db::{api_keys, users};
use crate::domain::Visibility;
use crate::error::AppError;
use crate::state::AppState;

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A user's access token: the role decides everything.
    AccessToken,
    /// An API key: limited to its scopes, and never more than its creator.
    ApiKey { id: Uuid, scopes: Vec<Scope> },
}

/// An authenticated caller: a user, or an API key acting as the user who
/// made it. Rejects the request with 401 when no valid credential is sent.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user, or for an API key the user who made it.
    pub id: Uuid,
    /// The user's display name, read with the credential's check: a write
    /// answers with its author's name without asking the database again.
    pub name: String,
    pub role: Role,
    pub credential: Credential,
}

impl Caller {
    /// Whether this caller may change or see the drafts of a post by `author`.
    pub fn can_manage(&self, author: Uuid) -> bool {
        self.role.manages_all_posts() || self.id == author
    }

    /// Which posts this caller can read: a key needs `preview:read` to see
    /// any draft.
    pub fn visibility(&self) -> Visibility {
        if !self.has(Scope::PreviewRead) {
            Visibility::Published
        } else if self.role.manages_all_posts() {
            Visibility::All
        } else {
            Visibility::PublishedOrOwnedBy(self.id)
        }
    }

    /// Whether the caller holds a scope; users hold every scope (their role
    /// limits them instead).
    pub fn has(&self, scope: Scope) -> bool {
        match &self.credential {
            Credential::AccessToken => true,
            Credential::ApiKey { scopes, .. } => scopes.contains(&scope),
        }
    }

    pub fn is_key(&self) -> bool {
        matches!(self.credential, Credential::ApiKey { .. })
    }
}

/// The caller if a credential was sent; anonymous otherwise. A credential
/// that is sent but invalid is still a 401, never silently anonymous.
#[derive(Debug, Clone)]
pub struct MaybeCaller(pub Option<Caller>);

impl MaybeCaller {
    pub fn visibility(&self) -> Visibility {
        self.0
            .as_ref()
            .map_or(Visibility::Published, Caller::visibility)
    }
}

/// What the gate ([`crate::middleware::gate`]) found out about the caller,
/// kept in the request's extensions for the handler.
#[derive(Debug, Clone)]
pub struct Principal(pub Option<Caller>);

/// Reads the bearer credential of a request: `None` when there is none.
pub fn bearer(req: &HttpRequest) -> Result<Option<String>, AppError> {
    bearer_of(req.headers())
}

pub fn bearer_of(headers: &header::HeaderMap) -> Result<Option<String>, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| AppError::Unauthorized("malformed Authorization header".into()))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(AppError::Unauthorized(
            "expected `Authorization: Bearer <token>`".into(),
        )),
    }
}

/// Checks a bearer credential against the database: an access token of an
/// enabled user whose session is still open, or a live API key of an
/// enabled admin.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Caller, AppError> {
    if api_key::looks_like_key(token) {
        return authenticate_key(state, token).await;
    }
    let invalid = || AppError::Unauthorized("the access token is invalid or expired".into());
    let claims = state.tokens.verify(token).map_err(|_| invalid())?;
    let mut conn = state.conn().await?;
    // One query: the user is enabled, the token is of their current
    // version (no password change or disabling since), and its session
    // was not ended (logout, refresh-token reuse).
    let user = users::find_signed_in(&mut conn, claims.user, claims.version, claims.session)
        .await?
        .ok_or_else(invalid)?;
    let role = Role::parse(&user.role).ok_or_else(invalid)?;
    Ok(Caller {
        id: user.id,
        name: user.name,
        role,
        credential: Credential::AccessToken,
    })
}

async fn authenticate_key(state: &AppState, token: &str) -> Result<Caller, AppError> {
    let invalid = || AppError::Unauthorized("the API key is invalid, expired or revoked".into());
    let mut conn = state.conn().await?;
    let key = api_keys::find_usable(&mut conn, &api_key::digest(token))
        .await?
        .ok_or_else(invalid)?;
    let creator = users::find_active(&mut conn, key.created_by)
        .await?
        .ok_or_else(invalid)?;
    let role = Role::parse(&creator.role).ok_or_else(invalid)?;
    api_keys::touch(&mut conn, &key).await?;
    Ok(Caller {
        id: creator.id,
        name: creator.name,
        role,
        credential: Credential::ApiKey {
            id: key.id,
            scopes: key.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
        },
    })
}

/// The principal the gate stored; a route the gate did not see (none in
/// the app) is refused rather than treated as anonymous.
fn principal(req: &HttpRequest) -> Result<Option<Caller>, AppError> {
    req.extensions()
        .get::<Principal>()
        .map(|p| p.0.clone())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no principal: the gate did not run")))
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(principal(req).and_then(|p| {
            p.ok_or_else(|| AppError::Unauthorized("authentication required".into()))
        }))
    }
}

impl FromRequest for MaybeCaller {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(principal(req).map(Self))
    }
}
