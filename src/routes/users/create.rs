use actix_web::http::header;
use actix_web::{HttpResponse, post, web};
use uuid::Uuid;

use super::dto::{CreateUserRequest, UserResponse};
use crate::auth::Caller;
use crate::db::users::{self, NewUser};
use crate::domain::{Email, PersonName};
use crate::error::{AppError, FieldError, Problem};
use crate::routes::json::JsonBody;
use crate::state::AppState;

/// Create a user with a role.
#[utoipa::path(tag = "users", request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = UserResponse,
            headers(("Location" = String, description = "The new user's URL"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email is taken", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (a weak password, an unknown role…)", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    _admin: Caller,
    body: JsonBody<CreateUserRequest>,
) -> Result<HttpResponse, AppError> {
    let JsonBody(req) = body;
    let mut problems = Vec::new();
    let email = Email::parse(&req.email)
        .map_err(|e| problems.push(FieldError::new("email", e)))
        .ok();
    let name = PersonName::parse(&req.name)
        .map_err(|e| problems.push(FieldError::new("name", e)))
        .ok();
    if let Err(e) = crate::auth::password::check_strength(&req.password) {
        problems.push(FieldError::new("password", e));
    }
    let (Some(email), Some(name), true) = (email, name, problems.is_empty()) else {
        return Err(AppError::Validation(problems));
    };
    let hash = super::hash_new_password(&state, "password", req.password).await?;
    let mut conn = state.conn().await?;
    let user = users::insert(
        &mut conn,
        &NewUser {
            id: Uuid::now_v7(),
            email: email.as_str(),
            name: name.as_str(),
            password_hash: &hash,
            role: req.role.as_str(),
        },
    )
    .await
    .map_err(|e| match AppError::from(e) {
        AppError::Conflict(_) => AppError::Conflict("a user with this email exists".into()),
        other => other,
    })?;
    let location = state
        .config
        .public_link(&format!("/api/v1/users/{}", user.id));
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(UserResponse::from(user)))
}
