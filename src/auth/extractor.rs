//! Extractors for the caller.
//!
//! A bearer credential is either an access token (a JWT, for users) or an
//! API key (`folio_…`, for integrations). Every authenticated request
//! re-reads the user (for a key, the admin who made it), so a disabled or
//! deleted user is locked out from the very next request, on every
//! instance.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use uuid::Uuid;

use super::{Role, Scope, api_key};
use crate::db::posts::Visibility;
use crate::db::{api_keys, users};
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

    /// 403 unless the caller holds `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), AppError> {
        if self.has(scope) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "do this with an API key lacking the `{}` scope",
                scope.as_str()
            )))
        }
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

/// A user signed in with an access token. API keys are refused with 403:
/// managing people, keys and passwords is for people.
#[derive(Debug, Clone)]
pub struct UserCaller {
    pub id: Uuid,
    pub role: Role,
}

/// A [`UserCaller`] who is an admin; 403 for anyone else.
#[derive(Debug, Clone)]
pub struct Admin(pub UserCaller);

fn bearer(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
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

async fn authenticate(state: web::Data<AppState>, token: String) -> Result<Caller, AppError> {
    if api_key::looks_like_key(&token) {
        return authenticate_key(state, token).await;
    }
    let invalid = || AppError::Unauthorized("the access token is invalid or expired".into());
    let (user_id, version) = state.tokens.verify(&token).map_err(|_| invalid())?;
    let mut conn = state.conn().await?;
    let user = users::find_active(&mut conn, user_id)
        .await?
        .filter(|u| u.token_version == version)
        .ok_or_else(invalid)?;
    let role = Role::parse(&user.role).ok_or_else(invalid)?;
    Ok(Caller {
        id: user.id,
        role,
        credential: Credential::AccessToken,
    })
}

async fn authenticate_key(state: web::Data<AppState>, token: String) -> Result<Caller, AppError> {
    let invalid = || AppError::Unauthorized("the API key is invalid, expired or revoked".into());
    let mut conn = state.conn().await?;
    let key = api_keys::find_usable(&mut conn, &api_key::digest(&token))
        .await?
        .ok_or_else(invalid)?;
    let creator = users::find_active(&mut conn, key.created_by)
        .await?
        .ok_or_else(invalid)?;
    let role = Role::parse(&creator.role).ok_or_else(invalid)?;
    api_keys::touch(&mut conn, &key).await?;
    Ok(Caller {
        id: creator.id,
        role,
        credential: Credential::ApiKey {
            id: key.id,
            scopes: key.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
        },
    })
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("AppState is not registered")))
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = bearer(req).and_then(|t| Ok((state(req)?, t)));
        Box::pin(async move {
            match parsed? {
                (state, Some(token)) => authenticate(state, token).await,
                (_, None) => Err(AppError::Unauthorized("authentication required".into())),
            }
        })
    }
}

impl FromRequest for MaybeCaller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = bearer(req).and_then(|t| Ok((state(req)?, t)));
        Box::pin(async move {
            match parsed? {
                (state, Some(token)) => Ok(Self(Some(authenticate(state, token).await?))),
                (_, None) => Ok(Self(None)),
            }
        })
    }
}

impl FromRequest for UserCaller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            let caller = caller.await?;
            match caller.credential {
                Credential::AccessToken => Ok(Self {
                    id: caller.id,
                    role: caller.role,
                }),
                Credential::ApiKey { .. } => Err(AppError::Forbidden(
                    "do this with an API key; sign in as a user".into(),
                )),
            }
        })
    }
}

impl FromRequest for Admin {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = UserCaller::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            if user.role == Role::Admin {
                Ok(Self(user))
            } else {
                Err(AppError::Forbidden(
                    "do this unless you are an admin".into(),
                ))
            }
        })
    }
}
