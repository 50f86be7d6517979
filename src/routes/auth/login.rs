use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::dto::TokenResponse;
use crate::auth::throttle::{self, Attempt};
use crate::auth::{password, session};
use crate::db::users;
use crate::error::{AppError, Problem};
use crate::routes::json::JsonBody;
use crate::state::AppState;

/// The longest email address SMTP allows.
pub const MAX_EMAIL_CHARS: usize = 320;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "admin@localhost", max_length = 320)]
    pub email: String,
    #[schema(example = "correct horse battery staple", format = Password, max_length = 1024)]
    pub password: String,
}

/// Log in with an email and a password.
///
/// Returns a short-lived access token and a refresh token. A wrong email
/// and a wrong password get the same answer, in about the same time, so
/// the endpoint does not reveal who has an account. Failed logins are
/// limited per account and per client address: past the limit the answer
/// is 429 with `Retry-After`, even for the right password.
#[utoipa::path(tag = "auth", request_body = LoginRequest, responses(
    (status = 200, description = "Logged in", body = TokenResponse),
    (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "Wrong email or password", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Missing, mistyped or overlong fields", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Too many failed logins for this account or address", body = Problem, content_type = "application/problem+json",
        headers(("Retry-After" = u64, description = "Seconds to wait"))),
))]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let JsonBody(LoginRequest { email, password }) = body;
    // PostgreSQL text cannot hold NUL, so no account has such an email;
    // storing it in the throttle or querying for it would fail: replace it,
    // and the attempt goes on exactly like any other unknown email.
    let email = email.replace('\0', "\u{fffd}");
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(AppError::invalid("email", "is too long"));
    }
    if password.len() > password::MAX_PASSWORD_BYTES {
        return Err(AppError::invalid("password", "is too long"));
    }
    let address = throttle::client_address(&req, &state.config);
    let (attempt, user) = {
        let mut conn = state.conn().await?;
        let attempt = Attempt::begin(&mut conn, &state.config, &email, &address).await?;
        (attempt, users::find_by_email(&mut conn, &email).await?)
    };
    let (stored_hash, user) = match user {
        Some(u) if u.disabled_at.is_none() => (u.password_hash.clone(), Some(u)),
        // Unknown or disabled: verify against a dummy hash all the same.
        _ => (password::dummy_hash().to_owned(), None),
    };
    // Verifying (and rehashing, rarely) is CPU-heavy: off the async workers.
    let (matches, rehashed) = state
        .hashing
        .run(move || -> anyhow::Result<(bool, Option<String>)> {
            let matches = password::verify(&password, &stored_hash);
            let rehashed = if matches && password::needs_rehash(&stored_hash) {
                Some(password::hash(&password)?)
            } else {
                None
            };
            Ok((matches, rehashed))
        })
        .await?;
    let user = user
        .filter(|_| matches)
        .ok_or_else(|| AppError::Unauthorized("wrong email or password".into()))?;

    let mut conn = state.conn().await?;
    attempt.succeeded(&mut conn, &state.config).await?;
    if let Some(hash) = rehashed {
        users::set_password_hash(&mut conn, user.id, &hash).await?;
        tracing::info!(user = %user.id, "rehashed a password with the current parameters");
    }
    let issued = session::start(&state, &mut conn, &user).await?;
    // Tokens must not be cached anywhere (RFC 6749 §5.1).
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse::new(&state, issued)))
}
