//! Queries on `api_keys`. Keys are looked up by their SHA-256.

use chrono::{DateTime, Utc};
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, SelectableHelper};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::api_keys;

#[derive(Debug, Clone, diesel::Queryable, diesel::Selectable, diesel::Insertable)]
#[diesel(table_name = api_keys, check_for_backend(diesel::pg::Pg))]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub key_hash: Vec<u8>,
    pub scopes: Vec<String>,
    pub created_by: Uuid,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut AsyncPgConnection, key: &ApiKey) -> diesel::QueryResult<ApiKey> {
    diesel::insert_into(api_keys::table)
        .values(key)
        .returning(ApiKey::as_returning())
        .get_result(conn)
        .await
}

/// Keys not revoked, newest first (expired ones included, so they can be
/// seen and cleaned up).
pub async fn list(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Vec<ApiKey>> {
    api_keys::table
        .filter(api_keys::revoked_at.is_null())
        .order((api_keys::created_at.desc(), api_keys::id.desc()))
        .select(ApiKey::as_select())
        .load(conn)
        .await
}

/// A key that is neither revoked nor expired.
pub async fn find_usable(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
) -> diesel::QueryResult<Option<ApiKey>> {
    let key: Option<ApiKey> = api_keys::table
        .filter(api_keys::key_hash.eq(hash))
        .filter(api_keys::revoked_at.is_null())
        .select(ApiKey::as_select())
        .first(conn)
        .await
        .optional()?;
    Ok(key.filter(|k| k.expires_at.is_none_or(|at| at > Utc::now())))
}

/// Records a use, at most once a minute per key, so that busy frontends do
/// not turn every read into a write.
pub async fn touch(conn: &mut AsyncPgConnection, key: &ApiKey) -> diesel::QueryResult<()> {
    if super::use_is_stale(key.last_used_at) {
        diesel::update(api_keys::table.filter(api_keys::id.eq(key.id)))
            .set(api_keys::last_used_at.eq(diesel::dsl::now))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Revokes a key; false when there was no such live key.
pub async fn revoke(conn: &mut AsyncPgConnection, id: Uuid) -> diesel::QueryResult<bool> {
    let n = diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(id))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    Ok(n > 0)
}
