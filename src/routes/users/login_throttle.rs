use actix_web::{HttpResponse, delete, web};
use uuid::Uuid;

use crate::db::{login_throttle, users};
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// Clear a user's login back-off.
///
/// Failed logins slow further attempts down (see `POST /auth/login`); when
/// someone has made an account wait, an admin lifts it here: every counter
/// of the account, alone and with each client address, starts afresh.
/// Counters of the addresses themselves are kept.
#[utoipa::path(tag = "users",
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Cleared (also when there was nothing to clear)"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/users/{id}/login-throttle")]
pub async fn clear_login_throttle(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.conn().await?;
    let user = users::find(&mut conn, *id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let cleared = login_throttle::clear_account(&mut conn, &user.email.to_lowercase()).await?;
    tracing::info!(user = %user.id, cleared, "login back-off cleared");
    Ok(HttpResponse::NoContent().finish())
}
