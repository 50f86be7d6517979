//! Extractors for the calling user.
//!
//! Every authenticated request re-reads the user, so a disabled or deleted
//! user is locked out from the very next request, on every instance.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use uuid::Uuid;

use super::Role;
use crate::db::posts::Visibility;
use crate::db::users;
use crate::error::AppError;
use crate::state::AppState;

/// An authenticated, enabled user. Rejects the request with 401 otherwise.
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: Uuid,
    pub role: Role,
}

impl Caller {
    /// Whether this caller may change or see the drafts of a post by `author`.
    pub fn can_manage(&self, author: Uuid) -> bool {
        self.role.manages_all_posts() || self.id == author
    }

    pub fn visibility(&self) -> Visibility {
        if self.role.manages_all_posts() {
            Visibility::All
        } else {
            Visibility::PublishedOrOwnedBy(self.id)
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
    let invalid = || AppError::Unauthorized("the access token is invalid or expired".into());
    let user_id = state.tokens.verify(&token).map_err(|_| invalid())?;
    let mut conn = state.conn().await?;
    let user = users::find_active(&mut conn, user_id)
        .await?
        .ok_or_else(invalid)?;
    let role = Role::parse(&user.role).ok_or_else(invalid)?;
    Ok(Caller { id: user.id, role })
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
