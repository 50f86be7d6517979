//! Many posts in one request (`POST /api/v1/bulk/posts`), idempotent by
//! slug, as `folio import` is.
//!
//! Invariants, and what guards each:
//! - **One post's failure never loses or half-writes another.** Every item
//!   is parsed, checked and rendered before anything is written, and a
//!   refused item is simply left out of the writes. Writes go in batches of
//!   [`BATCH`] items, one transaction each. The batch's new posts go in
//!   together, one statement for the rows and one for their revisions
//!   ([`write::insert_many`]), in a savepoint: should the database refuse
//!   it, they are written like the others, every item in its own savepoint
//!   ([`write::put_by_slug`]), so an item the database refuses rolls back
//!   alone. Should a batch's transaction fail as a whole (its commit, a
//!   lost connection), nothing of it was kept, and its items are written
//!   again one at a time, each in its own transaction.
//! - **Idempotent by slug.** An item is written under its slug (chosen, or
//!   derived from its title; never numbered): no post there, it is created;
//!   a post the caller may manage that says something else, it is replaced
//!   as by `PUT`; one that already says the same is left alone, unrendered
//!   ([`PostInput::matches`]). Two items of one request with the same slug
//!   would overwrite each other: the later ones are refused (409).
//! - **Bounded.** At most [`MAX_ITEMS`] items; the body and each item are
//!   held to their byte limits by the route; every body is rendered by the
//!   instance's [`crate::render::Renderer`], within its concurrency, time
//!   and structure limits, as a single post would be.

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};

use super::write::{self, Put};
use super::{PostInput, lifecycle};
use crate::auth::Caller;
use crate::db::posts::{self, Post};
use crate::domain::Slug;
use crate::error::AppError;
use crate::render::Rendered;

/// The most posts one request may carry.
pub const MAX_ITEMS: usize = 500;
/// Items written in one transaction.
pub const BATCH: usize = 50;

/// One item, checked and ready to write.
#[derive(Debug, Clone)]
pub struct Ready {
    pub index: usize,
    pub slug: Slug,
    pub input: PostInput,
    /// `None` when the stored post already said the same: nothing to render.
    pub rendered: Option<Rendered>,
    /// No post had the slug when the request was checked.
    pub absent: bool,
}

/// One item's result: the post as stored and what was done, or why not.
pub type Written = Result<(Post, Put), AppError>;

/// Items that need rendering, and those that fail before it: duplicate
/// slugs in the request, posts the caller may not manage, statuses the
/// caller may not set. `stored` holds the posts already at the items'
/// slugs.
pub struct Checked {
    /// Items to write, with whether their body must be rendered first.
    pub ready: Vec<Unrendered>,
    pub failed: Vec<(usize, Option<Slug>, AppError)>,
}

/// An item that passed every check, before its body is rendered.
pub struct Unrendered {
    pub index: usize,
    pub slug: Slug,
    pub input: PostInput,
    /// Whether the body must be rendered (the post is new or changed).
    pub render: bool,
    pub absent: bool,
}

/// Checks every parsed item against the request and the stored posts,
/// before any rendering.
pub fn check(
    caller: &Caller,
    items: Vec<(usize, Result<PostInput, AppError>)>,
    stored: &[Post],
) -> Checked {
    let stored: HashMap<&str, &Post> = stored.iter().map(|p| (p.slug.as_str(), p)).collect();
    let mut first_at: HashMap<Slug, usize> = HashMap::new();
    let mut checked = Checked {
        ready: Vec::new(),
        failed: Vec::new(),
    };
    let now = Utc::now();
    for (index, item) in items {
        let input = match item {
            Ok(input) => input,
            Err(e) => {
                checked.failed.push((index, None, e));
                continue;
            }
        };
        let slug = input.slug_or_derived();
        if let Some(first) = first_at.get(&slug) {
            let e = AppError::Conflict(format!(
                "the slug `{slug}` is item {first}'s in this request too"
            ));
            checked.failed.push((index, Some(slug), e));
            continue;
        }
        first_at.insert(slug.clone(), index);
        let found = stored.get(slug.as_str());
        let verdict = match found {
            Some(post) => write::check_may_take(caller, post, &slug).map(|()| !input.matches(post)),
            None => {
                lifecycle::check_new(caller, input.status, input.published_at, now).map(|()| true)
            }
        };
        match verdict {
            Ok(render) => checked.ready.push(Unrendered {
                index,
                slug,
                input,
                render,
                absent: found.is_none(),
            }),
            Err(e) => checked.failed.push((index, Some(slug), e)),
        }
    }
    checked
}

/// Writes one batch of ready items (at most [`BATCH`]) in one
/// transaction, each in its own savepoint; should the transaction fail as
/// a whole, writes them again one by one. Returns each item's result.
///
/// Locks are taken in one order by every writer, so two requests at once
/// never wait for each other in a cycle: the batch's new tags are created
/// first, together and sorted (not post by post, in each post's order),
/// and the posts are written in slug order. An item that still loses a
/// deadlock or finds the database busy is tried once more on its own.
pub async fn write_batch(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    batch: &[Ready],
    keep_revisions: u32,
) -> Vec<(usize, Written)> {
    let mut ordered: Vec<&Ready> = batch.iter().collect();
    ordered.sort_by(|a, b| a.slug.as_str().cmp(b.slug.as_str()));
    let tags: Vec<String> = ordered
        .iter()
        .flat_map(|item| item.input.tags.as_slice().iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let together = conn
        .transaction::<_, AppError, _>(async |conn| {
            crate::db::tags::ensure(conn, &tags).await?;
            let mut done = Vec::with_capacity(ordered.len());
            // New posts go in together; the rest (and the new ones, should
            // the database refuse their statement) one by one.
            let (fresh, others): (Vec<&Ready>, Vec<&Ready>) = ordered
                .iter()
                .partition(|item| item.absent && item.rendered.is_some());
            let together = write::insert_many(
                conn,
                caller,
                fresh
                    .iter()
                    .filter_map(|item| {
                        let rendered = item.rendered.clone()?;
                        Some((item.index, item.slug.clone(), item.input.clone(), rendered))
                    })
                    .collect(),
                keep_revisions,
            )
            .await;
            let one_by_one = match together {
                Ok(created) => {
                    done.extend(created.into_iter().map(|(index, written)| {
                        (index, written.map(|post| (post, Put::Created)))
                    }));
                    others
                }
                Err(e) => {
                    tracing::debug!(error = %e, "new posts refused together; writing them one by one");
                    ordered.clone()
                }
            };
            for item in one_by_one {
                done.push((
                    item.index,
                    write_one(conn, caller, item, keep_revisions).await,
                ));
            }
            Ok(done)
        })
        .await;
    let mut done = match together {
        Ok(done) => done,
        Err(e) => {
            tracing::warn!(error = %e, items = batch.len(), "a bulk batch failed; writing its items one by one");
            let mut done = Vec::with_capacity(ordered.len());
            for item in &ordered {
                done.push((
                    item.index,
                    write_one(conn, caller, item, keep_revisions).await,
                ));
            }
            return done;
        }
    };
    for (index, written) in &mut done {
        if matches!(written, Err(AppError::Unavailable)) {
            let item = ordered.iter().find(|i| i.index == *index);
            if let Some(item) = item {
                *written = write_one(conn, caller, item, keep_revisions).await;
            }
        }
    }
    done
}

async fn write_one(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    item: &Ready,
    keep_revisions: u32,
) -> Written {
    write::put_by_slug(
        conn,
        caller,
        &item.slug,
        item.input.clone(),
        item.rendered.clone(),
        item.absent,
        keep_revisions,
    )
    .await
}

/// The posts stored at these slugs (their own slugs, not old ones).
pub async fn stored(conn: &mut AsyncPgConnection, slugs: &[Slug]) -> Result<Vec<Post>, AppError> {
    Ok(posts::find_by_slugs(conn, slugs).await?)
}
