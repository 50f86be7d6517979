use actix_web::{HttpResponse, delete, web};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use crate::auth::{Caller, Role};
use crate::db::users;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// Delete a user.
///
/// The user is disabled and anonymised rather than removed: their posts
/// stay, now credited to "Deleted user", and their email is free to reuse.
/// Their sessions end and their API keys stop working at once. The last
/// enabled admin cannot be deleted.
#[utoipa::path(tag = "users", 
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "This is the last admin", body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/users/{id}")]
pub async fn delete_user(
    state: web::Data<AppState>,
    _admin: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let mut conn = state.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let user = users::find_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        if user.role == Role::Admin.as_str() && user.disabled_at.is_none() {
            super::keep_an_admin(conn, user.id).await?;
        }
        users::soft_delete(conn, id).await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
