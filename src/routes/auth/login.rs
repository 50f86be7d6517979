use actix_web::{post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::password;
use crate::db::users;
use crate::error::{AppError, Problem};
use crate::routes::json::JsonBody;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "admin@localhost")]
    pub email: String,
    #[schema(example = "correct horse battery staple", format = Password)]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
}

/// Log in with an email and a password.
///
/// A wrong email and a wrong password get the same answer, in about the
/// same time, so the endpoint does not reveal who has an account.
#[utoipa::path(tag = "auth", request_body = LoginRequest, security(()), responses(
    (status = 200, description = "Logged in", body = TokenResponse),
    (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "Wrong email or password", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Missing or mistyped fields", body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
))]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    body: JsonBody<LoginRequest>,
) -> Result<web::Json<TokenResponse>, AppError> {
    let JsonBody(LoginRequest { email, password }) = body;
    // PostgreSQL text cannot hold NUL, so no account has such an email and
    // asking would fail the query: answer as for any unknown email.
    let user = if email.contains('\0') {
        None
    } else {
        let mut conn = state.conn().await?;
        users::find_by_email(&mut conn, &email).await?
    };
    let (stored_hash, user) = match user {
        Some(u) if u.disabled_at.is_none() => (u.password_hash.clone(), Some(u)),
        // Unknown or disabled: verify against a dummy hash all the same.
        _ => (password::dummy_hash().to_owned(), None),
    };
    let matches = web::block(move || password::verify(&password, &stored_hash))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let user = user
        .filter(|_| matches)
        .ok_or_else(|| AppError::Unauthorized("wrong email or password".into()))?;
    let access_token = state.tokens.issue(user.id)?;
    Ok(web::Json(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: state.tokens.ttl().as_secs(),
    }))
}
