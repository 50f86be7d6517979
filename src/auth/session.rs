//! Sessions: an access token plus a rotating refresh token.
//!
//! Each login starts a family of refresh tokens. A refresh marks the
//! presented token used and issues its successor in the same family. A
//! used token presented again means someone kept a copy (the client or a
//! thief, and we cannot tell which), so the whole family is revoked: the
//! reuse detection of the OAuth 2.0 Security BCP (RFC 9700 §4.14.2).

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use super::secret;
use crate::db::refresh_tokens::{self, RefreshToken};
use crate::db::users::{self, User};
use crate::error::AppError;
use crate::state::AppState;

/// A freshly issued pair; the refresh token is shown once and stored hashed.
pub struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    /// When the session ends, whatever happens.
    pub refresh_expires_at: DateTime<Utc>,
}

/// Starts a new session (a new family) for a user who just logged in. The
/// session ends `refresh_token_ttl` after this login, however often it is
/// refreshed (an absolute lifetime): refreshing never extends it.
pub async fn start(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    user: &User,
) -> Result<Issued, AppError> {
    let ttl = chrono::Duration::from_std(state.config.auth.refresh_token_ttl)
        .map_err(|e| AppError::Internal(e.into()))?;
    // Each login tidies up after the user's old sessions, so the table
    // does not grow for ever.
    refresh_tokens::delete_expired(conn, user.id).await?;
    issue(state, conn, user, Uuid::now_v7(), Utc::now() + ttl).await
}

async fn issue(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    user: &User,
    family_id: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<Issued, AppError> {
    let refresh_token = secret::generate();
    let now = Utc::now();
    refresh_tokens::insert(
        conn,
        &RefreshToken {
            id: Uuid::now_v7(),
            family_id,
            user_id: user.id,
            token_hash: secret::digest(&refresh_token),
            expires_at,
            used_at: None,
            revoked_at: None,
            created_at: now,
        },
    )
    .await?;
    Ok(Issued {
        access_token: state.tokens.issue(user.id, user.token_version, family_id)?,
        refresh_token,
        refresh_expires_at: expires_at,
    })
}

enum Outcome {
    Issued(Issued),
    Invalid,
    Reused { user: Uuid, family: Uuid },
}

/// Exchanges a refresh token for a new pair. Every failure is the same 401,
/// so the answer says nothing about why.
pub async fn rotate(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    presented: &str,
) -> Result<Issued, AppError> {
    let hash = secret::digest(presented);
    // The reuse branch must commit its revocation, so it is an `Ok` outcome
    // of the transaction and only becomes an error afterwards.
    let outcome = conn
        .transaction::<_, AppError, _>(async |conn| {
            let Some(token) = refresh_tokens::find_for_update(conn, &hash).await? else {
                return Ok(Outcome::Invalid);
            };
            if token.revoked_at.is_some() {
                return Ok(Outcome::Invalid);
            }
            if token.used_at.is_some() {
                refresh_tokens::revoke_family(conn, token.family_id).await?;
                return Ok(Outcome::Reused {
                    user: token.user_id,
                    family: token.family_id,
                });
            }
            if token.expires_at <= Utc::now() {
                return Ok(Outcome::Invalid);
            }
            let Some(user) = users::find_active(conn, token.user_id).await? else {
                return Ok(Outcome::Invalid);
            };
            refresh_tokens::mark_used(conn, token.id).await?;
            Ok(Outcome::Issued(
                issue(state, conn, &user, token.family_id, token.expires_at).await?,
            ))
        })
        .await?;
    match outcome {
        Outcome::Issued(issued) => Ok(issued),
        Outcome::Reused { user, family } => {
            tracing::warn!(%user, %family, "refresh token reused: session family revoked");
            Err(invalid())
        }
        Outcome::Invalid => Err(invalid()),
    }
}

/// Ends the session a refresh token belongs to. Unknown tokens are ignored,
/// as RFC 7009 asks of revocation endpoints.
pub async fn end(conn: &mut AsyncPgConnection, presented: &str) -> Result<(), AppError> {
    let hash = secret::digest(presented);
    conn.transaction::<_, AppError, _>(async |conn| {
        if let Some(token) = refresh_tokens::find_for_update(conn, &hash).await? {
            refresh_tokens::revoke_family(conn, token.family_id).await?;
        }
        Ok(())
    })
    .await
}

fn invalid() -> AppError {
    AppError::Unauthorized("the refresh token is invalid, expired or revoked".into())
}
