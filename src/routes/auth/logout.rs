use actix_web::{HttpResponse, post, web};

use super::dto::RefreshRequest;
use crate::auth::session;
use crate::error::{AppError, Problem};
use crate::routes::json::JsonBody;
use crate::state::AppState;

/// Log out: revoke the session a refresh token belongs to.
///
/// Every refresh token of the session stops working at once; access
/// tokens already issued expire on their own within minutes. An unknown
/// token is answered 204 as well (RFC 7009), so the endpoint tells nobody
/// which tokens exist.
#[utoipa::path(tag = "auth", request_body = RefreshRequest, responses(
    (status = 204, description = "Logged out"),
    (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Missing or mistyped fields", body = Problem, content_type = "application/problem+json"),
))]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: JsonBody<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    if !super::refresh::well_formed(&body.0.refresh_token) {
        return Err(AppError::invalid(
            "refresh_token",
            "must be a refresh token Folio issued (1–256 URL-safe characters)",
        ));
    }
    let mut conn = state.conn().await?;
    session::end(&mut conn, &body.0.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}
