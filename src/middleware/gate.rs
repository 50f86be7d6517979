//! The gate every operation passes before its handler runs: it finds the
//! operation, refuses query parameters the operation does not document,
//! authenticates the caller once, and checks the permission table
//! ([`crate::auth::permissions`]). Handlers get the caller from it (the
//! `Caller` and `MaybeCaller` extractors) and never check roles or scopes
//! for themselves.
//!
//! After a successful call of an operation that writes content, this
//! instance's read cache drops what the write can change before the caller
//! sees the answer (so nobody reads their own write stale): the posts the
//! handler names ([`crate::cache::Touched`]) and the collections, or
//! everything when it names none. Nothing else drops it: a login, a
//! logout or a preview render changes nothing readers see.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};

use crate::auth::extractor::{Caller, Principal, authenticate, bearer_of};
use crate::auth::permissions::{self, Permission, PreviewTokens};
use crate::auth::preview::{self, PreviewGrant};
use crate::cache::Touched;
use crate::error::AppError;
use crate::routes::fallback::RouteTable;
use crate::routes::operations::Operations;
use crate::state::AppState;

pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let (Some(ops), Some(state)) = (
        req.app_data::<web::Data<Operations>>().cloned(),
        req.app_data::<web::Data<AppState>>().cloned(),
    ) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    // Not an operation (the API explorer, the document itself, or a path
    // that will be a 404 or 405): nothing to guard.
    let Some(op) = req
        .match_pattern()
        .and_then(|pattern| ops.find(req.method(), &pattern).cloned())
    else {
        if req.match_pattern().is_some() && ops.shadowed(req.method(), req.path()) {
            let res = match req.app_data::<web::Data<RouteTable>>() {
                Some(table) => table.method_not_allowed(req.method(), req.path()),
                None => AppError::NotFound("route").error_response(),
            };
            return Ok(req.into_response(res).map_into_right_body());
        }
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let checked = async {
        let permission = op.permission.ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("{} has no permission row", op.id))
        })?;
        op.check_query(req.query_string())?;
        let (caller, grant) = identify(&state, &req, &permission).await?;
        Ok::<_, AppError>((permission, caller, grant))
    }
    .await;
    let (permission, caller, grant) = match checked {
        Ok(found) => found,
        Err(refused) => {
            let res = refused.error_response();
            return Ok(req.into_response(res).map_into_right_body());
        }
    };
    req.extensions_mut().insert(Principal(caller));
    if let Some(grant) = grant {
        req.extensions_mut().insert(grant);
    }
    let res = next.call(req).await?;
    if permission.writes_content && !res.status().is_client_error() {
        // Every instance's followers read what changed ([`crate::db::wake`]).
        state.waker.wake();
    }
    if permission.writes_content
        && !res.status().is_client_error()
        && let Some(cache) = &state.cache
    {
        // A handler that names the posts it wrote drops only what they
        // can change; any other write (tags, people, a failure after
        // committing) drops everything.
        let touched = res.response().extensions().get::<Touched>().cloned();
        match touched {
            Some(Touched(keys)) if res.status().is_success() => cache.invalidate_posts(keys),
            _ => cache.invalidate(),
        }
    }
    Ok(res.map_into_left_body())
}

/// Who is calling, checked against the operation's row: a caller (user or
/// key), a preview grant, or nobody.
async fn identify(
    state: &AppState,
    req: &ServiceRequest,
    permission: &Permission,
) -> Result<(Option<Caller>, Option<PreviewGrant>), AppError> {
    if !permission.identifies {
        return Ok((None, None));
    }
    let bearer = bearer_of(req.headers())?;
    // The query parameter is read only where a preview token is taken, so
    // nowhere else can a link's token stand in for a credential.
    let query = match permission.preview {
        PreviewTokens::Refused => "",
        _ => req.query_string(),
    };
    match (
        permission.preview,
        preview::token_of(bearer.as_deref(), query),
    ) {
        (PreviewTokens::Refused, Some(_)) => Err(AppError::Forbidden(
            "do this with a preview token: it reads its one post and nothing else".into(),
        )),
        (_, Some(token)) => {
            if bearer
                .as_deref()
                .is_some_and(|b| !preview::looks_like_token(b))
            {
                return Err(AppError::BadRequest(
                    "send either a preview token or another credential, not both".into(),
                ));
            }
            Ok((None, Some(preview::authenticate(state, &token).await?)))
        }
        (PreviewTokens::Required, None) => Err(match bearer {
            None => AppError::Unauthorized("a preview token is required".into()),
            Some(_) => AppError::Forbidden(
                "only a preview token reads a preview; use the post's own URL otherwise".into(),
            ),
        }),
        (_, None) => {
            let caller = match bearer {
                Some(token) => Some(authenticate(state, &token).await?),
                None => None,
            };
            permissions::authorize(permission, caller.as_ref())?;
            Ok((caller, None))
        }
    }
}
