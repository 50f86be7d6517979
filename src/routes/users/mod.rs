//! `/api/v1/users`: managing people. Admins only, with an access token
//! (API keys are refused).

pub mod create;
pub mod delete;
pub mod dto;
pub mod get;
pub mod list;
pub mod login_throttle;
pub mod update;

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::db::users;
use crate::error::AppError;
use crate::state::AppState;

/// 409 unless another enabled admin remains, so that nobody can lock the
/// whole installation out of user management.
pub async fn keep_an_admin(conn: &mut AsyncPgConnection, leaving: Uuid) -> Result<(), AppError> {
    if users::other_active_admins(conn, leaving).await? == 0 {
        return Err(AppError::Conflict(
            "this is the last enabled admin; make another admin first".into(),
        ));
    }
    Ok(())
}

/// Checks a new password and hashes it, off the async workers.
pub async fn hash_new_password(
    state: &AppState,
    field: &str,
    password: String,
) -> Result<String, AppError> {
    crate::auth::password::check_strength(&password).map_err(|e| AppError::invalid(field, e))?;
    state
        .hashing
        .run(move || crate::auth::password::hash(&password))
        .await
}
