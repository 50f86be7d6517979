use actix_web::{get, web};

use crate::auth::Caller;
use crate::db::users;
use crate::error::{AppError, Problem};
use crate::routes::users::dto::UserResponse;
use crate::state::AppState;

/// The signed-in user's own account.
#[utoipa::path(tag = "auth", responses(
    (status = 200, description = "The caller", body = UserResponse),
    (status = 403, description = "An API key, which is not a user", body = Problem, content_type = "application/problem+json"),
))]
#[get("/auth/me")]
pub async fn me(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<UserResponse>, AppError> {
    let mut conn = state.conn().await?;
    let user = users::find_active(&mut conn, caller.id)
        .await?
        .ok_or_else(|| AppError::Unauthorized("the access token is invalid or expired".into()))?;
    Ok(web::Json(user.into()))
}
