//! `GET /api/v1/sync`: everything that changed since the last call, for
//! static-site builds that refetch only what changed.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::dto::PostResponse;
use crate::auth::MaybeCaller;
use crate::db::sync;
use crate::error::{AppError, Problem};
use crate::state::AppState;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncQuery {
    /// The `next_token` of the previous call. Absent: from the beginning.
    #[param(min_length = 1, max_length = 19, pattern = "^[0-9]+$")]
    pub since: Option<String>,
    /// Instead of a token, start with the changes made at or after this
    /// moment (RFC 3339), for a first call. Not with `since`.
    #[param(max_length = 64)]
    pub updated_since: Option<DateTime<Utc>>,
    /// Most changes (posts and tombstones together) in one answer.
    #[param(minimum = 1, maximum = 100, default = 50)]
    pub limit: Option<u32>,
}

/// A post that is gone, or that the caller can no longer see.
#[derive(Debug, Serialize, ToSchema)]
pub struct Tombstone {
    pub id: Uuid,
    /// The slug it had when deleted; null for a post that is hidden now
    /// (unpublished, archived), whose current slug may never have been public.
    pub slug: Option<String>,
    /// When it was deleted (or, for a post that is hidden now, changed).
    pub deleted_at: DateTime<Utc>,
}

/// One batch of changes, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncResponse {
    /// Posts the caller can see that changed (created, updated, published),
    /// each in its current state, oldest change first.
    pub posts: Vec<PostResponse>,
    /// Posts deleted, unpublished, archived or otherwise hidden from the
    /// caller since the token: remove them from the site.
    pub deleted: Vec<Tombstone>,
    /// Pass as `since` on the next call.
    pub next_token: String,
    /// True when more changes wait: call again at once with `next_token`.
    pub has_more: bool,
}

/// What changed since a sync token: posts and tombstones, oldest first.
///
/// Every write to a post takes the next change number, and a call answers
/// only changes below every number still being written, so following
/// `next_token` from call to call sees every change exactly once or later,
/// never skips one, even when two share a timestamp or writers race. Anonymous callers get published
/// posts; a post they could see before and cannot now (deleted,
/// unpublished, archived) comes as a tombstone; posts the caller never
/// could see are not mentioned at all. Signed-in callers also get the
/// posts they may see (their own drafts; editors and admins every post),
/// and so do API keys with `preview:read`.
#[utoipa::path(
    tag = "posts",
    params(SyncQuery),
    responses(
        (status = 200, description = "The changes since the token", body = SyncResponse),
        (status = 400, description = "A bad token, date or limit", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/sync")]
pub async fn sync_posts(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    query: web::Query<SyncQuery>,
) -> Result<web::Json<SyncResponse>, AppError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::BadRequest(format!(
            "limit must be from 1 to {MAX_LIMIT}"
        )));
    }
    let since = match (&query.since, query.updated_since) {
        (Some(_), Some(_)) => {
            return Err(AppError::BadRequest(
                "send either since or updated_since, not both".into(),
            ));
        }
        (Some(token), None) => Some(parse_token(token)?),
        (None, _) => None,
    };
    let updated_since = query.updated_since;
    let mut conn = state.conn().await?;
    // Before the transaction: its snapshot must be newer than the horizon.
    let upto = sync::horizon(&mut conn).await?;
    // One snapshot for both lists: a change committed between two
    // statements could otherwise fall behind the token and be skipped.
    let (since, changed, deleted) = conn
        .build_transaction()
        .read_only()
        .repeatable_read()
        .run(async |conn: &mut AsyncPgConnection| {
            let since = match (since, updated_since) {
                (Some(seq), _) => seq,
                (None, Some(at)) => sync::seq_before(conn, at, upto).await?,
                (None, None) => 0,
            };
            // One more than asked for says whether more wait.
            let (changed, deleted) =
                sync::changes_since(conn, since, upto, i64::from(limit) + 1).await?;
            Ok::<_, AppError>((since, changed, deleted))
        })
        .await?;
    Ok(web::Json(merge(
        &caller,
        since,
        changed,
        deleted,
        limit as usize,
    )))
}

fn parse_token(raw: &str) -> Result<i64, AppError> {
    let digits = !raw.is_empty() && raw.len() <= 19 && raw.bytes().all(|b| b.is_ascii_digit());
    digits
        .then(|| raw.parse::<i64>().ok())
        .flatten()
        .ok_or_else(|| {
            AppError::BadRequest("since must be a next_token from an earlier sync".into())
        })
}

/// Interleaves the two lists by change number and keeps the first `limit`.
///
/// A caller learns of a post only as far as they may see it: a post they
/// can see comes whole; one they cannot see now but could once (it was
/// public) comes as a tombstone; one they never could see (another's
/// draft, a draft to a key without `preview:read`) is skipped, its id and
/// slug never named. The token still moves past it.
fn merge(
    caller: &MaybeCaller,
    since: i64,
    changed: Vec<sync::ChangedPost>,
    deleted: Vec<sync::Tombstone>,
    limit: usize,
) -> SyncResponse {
    let visibility = caller.visibility();
    let total = changed.len() + deleted.len();
    let mut last = since;
    let mut posts = Vec::new();
    let mut gone = Vec::new();
    let mut changed = changed.into_iter().peekable();
    let mut deleted = deleted.into_iter().peekable();
    for _ in 0..limit {
        let next_post = changed.peek().map(|c| c.2);
        let next_tombstone = deleted.peek().map(|t| t.change_seq);
        let take_post = match (next_post, next_tombstone) {
            (Some(p), Some(t)) => p < t,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        if take_post {
            let Some((post, author, seq, public, ever_public)) = changed.next() else {
                break;
            };
            last = seq;
            if visibility.allows(post.author_id, public) {
                posts.push(PostResponse::new(post, author));
            } else if ever_public {
                // Unpublished or archived since: the slug it has now may
                // be one it never had in public, so it is not named.
                gone.push(Tombstone {
                    id: post.id,
                    slug: None,
                    deleted_at: post.updated_at,
                });
            }
        } else {
            let Some(t) = deleted.next() else { break };
            last = t.change_seq;
            if visibility.allows(t.author_id, t.was_public) {
                gone.push(Tombstone {
                    id: t.id,
                    slug: Some(t.slug),
                    deleted_at: t.deleted_at,
                });
            }
        }
    }
    SyncResponse {
        posts,
        deleted: gone,
        next_token: last.to_string(),
        has_more: total > limit,
    }
}
