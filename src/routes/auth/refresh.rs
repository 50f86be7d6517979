use actix_web::http::header;
use actix_web::{HttpResponse, post, web};

use super::dto::{RefreshRequest, TokenResponse};
use crate::auth::session;
use crate::error::{AppError, Problem};
use crate::routes::json::JsonBody;
use crate::state::AppState;

/// Exchange a refresh token for a new access token and refresh token.
///
/// Each refresh token works once. Presenting one that was already used
/// revokes every token of its session (someone kept a copy), so the
/// legitimate client must log in again.
#[utoipa::path(tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, description = "A new pair", body = TokenResponse),
    (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "Unknown, used, expired or revoked refresh token", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Missing or mistyped fields", body = Problem, content_type = "application/problem+json"),
))]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: JsonBody<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    if !well_formed(&body.0.refresh_token) {
        // The same answer as for a token that is unknown or spent.
        return Err(AppError::Unauthorized(
            "the refresh token is invalid, expired or revoked".into(),
        ));
    }
    let mut conn = state.conn().await?;
    let issued = session::rotate(&state, &mut conn, &body.0.refresh_token).await?;
    // Tokens must not be cached anywhere (RFC 6749 §5.1).
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse::new(&state, issued)))
}

/// Whether a string could be a refresh token Folio issued (43 URL-safe
/// characters; the schema allows up to 256). Anything else never reaches
/// the database.
pub(super) fn well_formed(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 256
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
