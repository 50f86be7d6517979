use actix_web::{get, web};
use uuid::Uuid;

use super::dto::UserResponse;
use crate::auth::Caller;
use crate::db::users;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// Fetch one user.
#[utoipa::path(tag = "users", 
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = UserResponse),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    _admin: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<UserResponse>, AppError> {
    let mut conn = state.conn().await?;
    let user = users::find(&mut conn, *id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    Ok(web::Json(user.into()))
}
