use actix_web::{get, web};

use super::dto::{UserList, UserResponse};
use crate::auth::Caller;
use crate::db::users;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// List users, oldest first (deleted users are left out).
#[utoipa::path(tag = "users", responses(
    (status = 200, description = "Every user", body = UserList),
    (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not an admin, or an API key", body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
))]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    _admin: Caller,
) -> Result<web::Json<UserList>, AppError> {
    let mut conn = state.conn().await?;
    let data = users::list(&mut conn)
        .await?
        .into_iter()
        .map(UserResponse::from)
        .collect();
    Ok(web::Json(UserList { data }))
}
