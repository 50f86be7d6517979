use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a post is in its life: `draft` → `scheduled` (with a future
/// `published_at`) → `published` → `archived`. Only published posts (and
/// scheduled ones whose time has come) are public; the others are visible
/// only to signed-in users allowed to see them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "lowercase")]
pub enum PostStatus {
    Draft,
    Scheduled,
    Published,
    Archived,
}

impl PostStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }

    /// Whether a post with this status and date is public at `now`: the
    /// one definition of "public", also spelled in SQL by
    /// [`crate::db::lifecycle::is_public`] (a test keeps them equal).
    pub fn is_public_at(
        self,
        published_at: Option<chrono::DateTime<chrono::Utc>>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        match self {
            Self::Published => true,
            Self::Scheduled => published_at.is_some_and(|at| at <= now),
            Self::Draft | Self::Archived => false,
        }
    }

    /// The status readers are told at `now`: a scheduled post whose time
    /// has come is published, whether or not the scheduler has flipped it
    /// yet, so a post never reads "scheduled" while it is public.
    pub fn as_seen_at(
        self,
        published_at: Option<chrono::DateTime<chrono::Utc>>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        match self {
            Self::Scheduled if self.is_public_at(published_at, now) => Self::Published,
            other => other,
        }
    }

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match raw {
            "draft" => Ok(Self::Draft),
            "scheduled" => Ok(Self::Scheduled),
            "published" => Ok(Self::Published),
            "archived" => Ok(Self::Archived),
            _ => Err("must be `draft`, `scheduled`, `published` or `archived`"),
        }
    }
}

super::sql::text_column!(PostStatus);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_parses_back_from_its_name() {
        for s in [
            PostStatus::Draft,
            PostStatus::Scheduled,
            PostStatus::Published,
            PostStatus::Archived,
        ] {
            assert_eq!(PostStatus::parse(s.as_str()), Ok(s));
        }
        assert!(PostStatus::parse("Published").is_err());
    }
}
