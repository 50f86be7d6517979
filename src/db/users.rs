//! Queries on `users`.

use chrono::{DateTime, Utc};
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, SelectableHelper};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::users;

#[derive(Debug, Clone, diesel::Queryable, diesel::Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub token_version: i32,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// The fields an admin may change; `None` keeps a field.
#[derive(Debug, Default, diesel::AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
    pub password_hash: Option<String>,
    pub disabled_at: Option<Option<DateTime<Utc>>>,
}

#[derive(Debug, diesel::Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
}

pub async fn count(conn: &mut AsyncPgConnection) -> diesel::QueryResult<i64> {
    users::table.count().get_result(conn).await
}

pub async fn insert(conn: &mut AsyncPgConnection, user: &NewUser<'_>) -> diesel::QueryResult<User> {
    diesel::insert_into(users::table)
        .values(user)
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

/// Emails are stored lowercased, so look-ups are by the lowercased address.
pub async fn find_by_email(
    conn: &mut AsyncPgConnection,
    email: &str,
) -> diesel::QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email.to_lowercase()))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every user not deleted, oldest first.
pub async fn list(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Vec<User>> {
    users::table
        .filter(users::deleted_at.is_null())
        .order((users::created_at.asc(), users::id.asc()))
        .select(User::as_select())
        .load(conn)
        .await
}

/// A user who is not deleted (but may be disabled).
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> diesel::QueryResult<Option<User>> {
    users::table
        .filter(users::id.eq(id))
        .filter(users::deleted_at.is_null())
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// Like [`find`], locking the row for the caller's transaction.
pub async fn find_for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> diesel::QueryResult<Option<User>> {
    users::table
        .filter(users::id.eq(id))
        .filter(users::deleted_at.is_null())
        .select(User::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &UserChanges,
) -> diesel::QueryResult<User> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((changes, users::updated_at.eq(diesel::dsl::now)))
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

/// Ends every session of a user: access tokens issued so far stop working
/// (their version no longer matches) and refresh tokens are revoked.
pub async fn end_sessions(conn: &mut AsyncPgConnection, id: Uuid) -> diesel::QueryResult<()> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set(users::token_version.eq(users::token_version + 1))
        .execute(conn)
        .await?;
    super::refresh_tokens::revoke_user(conn, id).await?;
    Ok(())
}

/// A key for `pg_advisory_xact_lock`: changes that may remove an admin take
/// turns, so two admins cannot demote each other at the same moment and
/// leave none.
const ADMIN_CHANGES_LOCK: i64 = 0x666f_6c69_6f00_0100;

/// Admins who are enabled, other than `except`. Serialises with every other
/// caller until the transaction ends; each statement then sees the others'
/// committed changes.
pub async fn other_active_admins(
    conn: &mut AsyncPgConnection,
    except: Uuid,
) -> diesel::QueryResult<i64> {
    diesel::sql_query(format!(
        "SELECT pg_advisory_xact_lock({ADMIN_CHANGES_LOCK})"
    ))
    .execute(conn)
    .await?;
    users::table
        .filter(users::role.eq("admin"))
        .filter(users::disabled_at.is_null())
        .filter(users::id.ne(except))
        .count()
        .get_result(conn)
        .await
}

/// Deletes a user by disabling and anonymising them. The row stays because
/// posts reference it; the email is freed for reuse and the password can
/// never match (`!` is not a PHC string).
pub async fn soft_delete(conn: &mut AsyncPgConnection, id: Uuid) -> diesel::QueryResult<()> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            users::email.eq(format!("deleted-{}@invalid", id.simple())),
            users::name.eq("Deleted user"),
            users::password_hash.eq("!"),
            users::disabled_at.eq(diesel::dsl::now),
            users::deleted_at.eq(diesel::dsl::now),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    end_sessions(conn, id).await
}

pub async fn set_password_hash(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    hash: &str,
) -> diesel::QueryResult<()> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            users::password_hash.eq(hash),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The user an access token names, if it still holds: the user is enabled,
/// the token's version is theirs, and its session has a refresh token that
/// is neither revoked nor expired.
pub async fn find_signed_in(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    version: i32,
    session: Uuid,
) -> diesel::QueryResult<Option<User>> {
    use super::schema::refresh_tokens;
    let open_session = refresh_tokens::table
        .filter(refresh_tokens::family_id.eq(session))
        .filter(refresh_tokens::user_id.eq(id))
        .filter(refresh_tokens::revoked_at.is_null())
        .filter(refresh_tokens::expires_at.gt(diesel::dsl::now));
    users::table
        .filter(users::id.eq(id))
        .filter(users::disabled_at.is_null())
        .filter(users::token_version.eq(version))
        .filter(diesel::dsl::exists(open_session))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// A user who exists and is not disabled.
pub async fn find_active(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> diesel::QueryResult<Option<User>> {
    users::table
        .filter(users::id.eq(id))
        .filter(users::disabled_at.is_null())
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}
