use actix_web::{HttpRequest, HttpResponse, post, web};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::throttle::{self, Attempt};
use crate::auth::{Caller, password};
use crate::db::users;
use crate::error::{AppError, Problem};
use crate::routes::json::JsonBody;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[schema(format = Password, max_length = 1024)]
    pub current_password: String,
    #[schema(format = Password, min_length = 10, max_length = 1024)]
    pub new_password: String,
}

/// Change your own password.
///
/// Needs the current password (a stolen access token alone is not enough;
/// wrong guesses count against the login rate limit). On success every
/// session of the user ends, this one included: log in again.
#[utoipa::path(tag = "auth", request_body = ChangePasswordRequest, responses(
    (status = 204, description = "Changed; all sessions ended"),
    (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Wrong current password, or an API key", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "The new password is too weak, or unknown fields", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Too many wrong passwords", body = Problem, content_type = "application/problem+json",
        headers(("Retry-After" = u64, description = "Seconds to wait"))),
))]
#[post("/auth/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: JsonBody<ChangePasswordRequest>,
) -> Result<HttpResponse, AppError> {
    let JsonBody(ChangePasswordRequest {
        current_password,
        new_password,
    }) = body;
    password::check_strength(&new_password).map_err(|e| AppError::invalid("new_password", e))?;
    if current_password.len() > password::MAX_PASSWORD_BYTES {
        return Err(AppError::invalid("current_password", "is too long"));
    }
    let address = throttle::client_address(&req, &state.config);
    let (attempt, user) = {
        let mut conn = state.conn().await?;
        let user = users::find_active(&mut conn, caller.id)
            .await?
            .ok_or_else(|| AppError::Unauthorized("the access token is invalid".into()))?;
        let attempt = Attempt::begin(&mut conn, &state.config, &user.email, &address).await?;
        (attempt, user)
    };
    let stored = user.password_hash.clone();
    let new_hash = state
        .hashing
        .run(move || -> anyhow::Result<Option<String>> {
            if password::verify(&current_password, &stored) {
                Ok(Some(password::hash(&new_password)?))
            } else {
                Ok(None)
            }
        })
        .await?
        .ok_or_else(|| AppError::Forbidden("change the password without the current one".into()))?;

    let mut conn = state.conn().await?;
    attempt.succeeded(&mut conn, &state.config).await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        users::set_password_hash(conn, user.id, &new_hash).await?;
        users::end_sessions(conn, user.id).await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
