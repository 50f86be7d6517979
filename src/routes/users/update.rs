use actix_web::{patch, web};
use chrono::Utc;
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::dto::{UpdateUserRequest, UserResponse};
use crate::auth::{Caller, Role};
use crate::db::users::{self, UserChanges};
use crate::domain::{Email, PersonName};
use crate::error::{AppError, FieldError, Problem};
use crate::routes::json::JsonBody;
use crate::state::AppState;

/// Change a user: email, name, role, password, or whether they are disabled.
///
/// Disabling a user or setting their password ends all their sessions at
/// once. The last enabled admin cannot be demoted or disabled.
#[utoipa::path(tag = "users", request_body = UpdateUserRequest,
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The updated user", body = UserResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email is taken, or this is the last admin", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or unknown fields", body = Problem, content_type = "application/problem+json"),
    ))]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    _admin: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateUserRequest>,
) -> Result<web::Json<UserResponse>, AppError> {
    let JsonBody(req) = body;
    let mut problems = Vec::new();
    let email = req.email.as_deref().and_then(|e| {
        Email::parse(e)
            .map_err(|m| problems.push(FieldError::new("email", m)))
            .ok()
    });
    let name = req.name.as_deref().and_then(|n| {
        PersonName::parse(n)
            .map_err(|m| problems.push(FieldError::new("name", m)))
            .ok()
    });
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let password_hash = match req.password {
        Some(p) => Some(super::hash_new_password(&state, "password", p).await?),
        None => None,
    };
    let id = id.into_inner();
    let mut conn = state.conn().await?;
    let user = conn
        .transaction::<_, AppError, _>(async |conn| {
            let user = users::find_for_update(conn, id)
                .await?
                .ok_or(AppError::NotFound("user"))?;
            let demoted = req.role.is_some_and(|r| r != Role::Admin);
            let disabling = req.disabled == Some(true) && user.disabled_at.is_none();
            if user.role == Role::Admin.as_str() && (demoted || disabling) {
                super::keep_an_admin(conn, user.id).await?;
            }
            let ends_sessions = disabling || password_hash.is_some();
            let changes = UserChanges {
                email: email.map(|e| e.as_str().to_owned()),
                name: name.map(|n| n.as_str().to_owned()),
                role: req.role.map(|r| r.as_str().to_owned()),
                password_hash,
                disabled_at: match req.disabled {
                    Some(true) if disabling => Some(Some(Utc::now())),
                    Some(false) => Some(None),
                    _ => None,
                },
            };
            let updated =
                users::update(conn, id, &changes)
                    .await
                    .map_err(|e| match AppError::from(e) {
                        AppError::Conflict(_) => {
                            AppError::Conflict("a user with this email exists".into())
                        }
                        other => other,
                    })?;
            if ends_sessions {
                users::end_sessions(conn, id).await?;
            }
            Ok(updated)
        })
        .await?;
    Ok(web::Json(user.into()))
}
