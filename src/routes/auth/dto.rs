use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::session::Issued;
use crate::state::AppState;

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
    /// An opaque token for `POST /api/v1/auth/refresh`; it works once.
    pub refresh_token: String,
    /// Seconds until the session ends: refresh tokens of one login all
    /// expire then, however often they are refreshed.
    #[schema(example = 2592000)]
    pub refresh_token_expires_in: u64,
}

impl TokenResponse {
    pub fn new(state: &AppState, issued: Issued) -> Self {
        Self {
            access_token: issued.access_token,
            token_type: "Bearer",
            expires_in: state.tokens.ttl().as_secs(),
            refresh_token: issued.refresh_token,
            refresh_token_expires_in: u64::try_from(
                (issued.refresh_expires_at - chrono::Utc::now()).num_seconds(),
            )
            .unwrap_or(0),
        }
    }
}

/// A refresh token, for `refresh` and `logout`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token of the session.
    #[schema(min_length = 1, max_length = 256, pattern = r"^[A-Za-z0-9_-]+$")]
    pub refresh_token: String,
}
