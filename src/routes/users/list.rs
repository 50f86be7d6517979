use actix_web::{get, web};

use super::dto::{UserList, UserResponse};
use crate::auth::Caller;
use crate::db::users;
use crate::error::AppError;
use crate::state::AppState;

/// List users, oldest first (deleted users are left out).
#[utoipa::path(tag = "users", responses(
    (status = 200, description = "Every user", body = UserList),
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
