//! The gate every operation passes before its handler runs: it finds the
//! operation, refuses query parameters the operation does not document,
//! authenticates the caller once, and checks the permission table
//! ([`crate::auth::permissions`]). Handlers get the caller from it (the
//! `Caller` and `MaybeCaller` extractors) and never check roles or scopes
//! for themselves.
//!
//! After a successful call of an operation that writes content, this
//! instance's read cache is dropped before the caller sees the answer (so
//! nobody reads their own write stale). Nothing else drops it: a login, a
//! logout or a preview render changes nothing readers see.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};

use crate::auth::extractor::{Principal, authenticate, bearer_of};
use crate::auth::permissions;
use crate::error::AppError;
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
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let checked = async {
        let permission = op.permission.ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("{} has no permission row", op.id))
        })?;
        op.check_query(req.query_string())?;
        let caller = match bearer_of(req.headers()) {
            _ if !permission.identifies => None,
            Ok(Some(token)) => Some(authenticate(&state, &token).await?),
            Ok(None) => None,
            Err(malformed) => return Err(malformed),
        };
        permissions::authorize(&permission, caller.as_ref())?;
        Ok::<_, AppError>((permission, caller))
    }
    .await;
    let (permission, caller) = match checked {
        Ok(found) => found,
        Err(refused) => {
            let res = refused.error_response();
            return Ok(req.into_response(res).map_into_right_body());
        }
    };
    req.extensions_mut().insert(Principal(caller));
    let res = next.call(req).await?;
    if permission.writes_content
        && !res.status().is_client_error()
        && let Some(cache) = &state.cache
    {
        cache.invalidate();
    }
    Ok(res.map_into_left_body())
}
