use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Role;
use crate::db::users::User;

/// A user, as admins and the user themself see them. Never the password hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: Uuid,
    #[schema(example = "ada@example.com")]
    pub email: String,
    #[schema(example = "Ada Lovelace")]
    pub name: String,
    pub role: Role,
    /// When the user was disabled; `null` while they may sign in.
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserResponse {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            // The database only admits the four roles.
            role: Role::parse(&u.role).unwrap_or(Role::Contributor),
            disabled_at: u.disabled_at,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub data: Vec<UserResponse>,
}

/// A new user. Emails are stored lowercased and must be unique.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    #[schema(example = "ada@example.com", max_length = 320)]
    pub email: String,
    #[schema(example = "Ada Lovelace", min_length = 1, max_length = 100)]
    pub name: String,
    #[schema(format = Password, min_length = 10, max_length = 1024)]
    pub password: String,
    pub role: Role,
}

/// Changes to a user; absent fields are kept. None can be cleared, so
/// `null` is refused (422) rather than read as "keep".
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    #[schema(max_length = 320)]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// Setting a password ends all of the user's sessions.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    #[schema(format = Password, min_length = 10, max_length = 1024)]
    pub password: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub role: Option<Role>,
    /// `true` locks the user out at once and ends their sessions; `false`
    /// lets them sign in again.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub disabled: Option<bool>,
}

/// A field that may be absent but, when present, must not be `null`.
fn present<'de, D, T>(de: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(de).map(Some)
}
