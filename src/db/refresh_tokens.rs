//! Queries on `refresh_tokens`. Tokens are looked up by their SHA-256.

use chrono::{DateTime, Utc};
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, SelectableHelper};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::refresh_tokens;

#[derive(Debug, Clone, diesel::Queryable, diesel::Selectable, diesel::Insertable)]
#[diesel(table_name = refresh_tokens, check_for_backend(diesel::pg::Pg))]
pub struct RefreshToken {
    pub id: Uuid,
    pub family_id: Uuid,
    pub user_id: Uuid,
    pub token_hash: Vec<u8>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut AsyncPgConnection, token: &RefreshToken) -> diesel::QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values(token)
        .execute(conn)
        .await?;
    Ok(())
}

/// Finds a token by hash and locks it, so two refreshes with the same
/// token take turns and the second sees it used.
pub async fn find_for_update(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
) -> diesel::QueryResult<Option<RefreshToken>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash))
        .select(RefreshToken::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn mark_used(conn: &mut AsyncPgConnection, id: Uuid) -> diesel::QueryResult<()> {
    diesel::update(refresh_tokens::table.filter(refresh_tokens::id.eq(id)))
        .set(refresh_tokens::used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn revoke_family(
    conn: &mut AsyncPgConnection,
    family: Uuid,
) -> diesel::QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}

/// Forgets a user's expired tokens. Nothing is lost: every token of a
/// family expires together, so an expired token can only ever be refused.
pub async fn delete_expired(
    conn: &mut AsyncPgConnection,
    user: Uuid,
) -> diesel::QueryResult<usize> {
    diesel::delete(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user))
            .filter(refresh_tokens::expires_at.lt(diesel::dsl::now)),
    )
    .execute(conn)
    .await
}

pub async fn revoke_user(conn: &mut AsyncPgConnection, user: Uuid) -> diesel::QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}
