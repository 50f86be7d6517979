//! Which status changes each role may make.
//!
//! Contributors keep their posts as drafts: publishing, scheduling and
//! archiving are for authors (their own posts), editors and admins.
//! A post becomes `scheduled` only with a `published_at` in the future.

use chrono::{DateTime, Utc};

use crate::auth::{Caller, Role};
use crate::db::posts::Post;
use crate::domain::PostStatus;
use crate::error::AppError;

/// Checks a new post's status.
pub fn check_new(
    caller: &Caller,
    status: PostStatus,
    published_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    check_role(caller.role, status)?;
    if status == PostStatus::Scheduled {
        check_schedule(published_at, now)?;
    }
    Ok(())
}

/// Checks an update, given the post before and after it.
pub fn check_change(
    caller: &Caller,
    before: &Post,
    after: &Post,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let status = after.status;
    check_role(caller.role, status)?;
    // A scheduled post whose date is untouched may be edited even when its
    // time has just come and the scheduler has not flipped it yet.
    let rescheduled = before.status != after.status || before.published_at != after.published_at;
    if status == PostStatus::Scheduled && rescheduled {
        check_schedule(after.published_at, now)?;
    }
    Ok(())
}

fn check_role(role: Role, status: PostStatus) -> Result<(), AppError> {
    let verb = match status {
        PostStatus::Draft => return Ok(()),
        PostStatus::Scheduled => "schedule posts",
        PostStatus::Published => "publish posts",
        PostStatus::Archived => "archive posts",
    };
    if role == Role::Contributor {
        Err(AppError::Forbidden(verb.into()))
    } else {
        Ok(())
    }
}

fn check_schedule(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), AppError> {
    match at {
        None => Err(AppError::invalid(
            "published_at",
            "a scheduled post needs a publication date",
        )),
        Some(at) if at <= now => Err(AppError::invalid(
            "published_at",
            "must be in the future for a scheduled post",
        )),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn caller(role: Role) -> Caller {
        Caller {
            id: uuid::Uuid::nil(),
            name: "Ada".into(),
            role,
            credential: crate::auth::extractor::Credential::AccessToken,
        }
    }

    #[test]
    fn contributors_may_only_write_drafts() {
        let now = Utc::now();
        let c = caller(Role::Contributor);
        assert!(check_new(&c, PostStatus::Draft, None, now).is_ok());
        for s in [
            PostStatus::Scheduled,
            PostStatus::Published,
            PostStatus::Archived,
        ] {
            let Err(AppError::Forbidden(_)) = check_new(&c, s, Some(now + Duration::hours(1)), now)
            else {
                panic!("{s:?} should be forbidden");
            };
        }
    }

    #[test]
    fn scheduling_needs_a_future_date() {
        let now = Utc::now();
        let a = caller(Role::Author);
        assert!(
            check_new(
                &a,
                PostStatus::Scheduled,
                Some(now + Duration::seconds(1)),
                now
            )
            .is_ok()
        );
        for at in [None, Some(now), Some(now - Duration::days(1))] {
            let Err(AppError::Validation(_)) = check_new(&a, PostStatus::Scheduled, at, now) else {
                panic!("{at:?} should be refused");
            };
        }
    }
}
