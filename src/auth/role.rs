use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a user may do. `admin` and `editor` work on every post; `author`
/// and `contributor` on their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Editor,
    Author,
    Contributor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Editor => "editor",
            Self::Author => "author",
            Self::Contributor => "contributor",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "admin" => Some(Self::Admin),
            "editor" => Some(Self::Editor),
            "author" => Some(Self::Author),
            "contributor" => Some(Self::Contributor),
            _ => None,
        }
    }

    /// Whether this role may read and change posts written by others.
    pub fn manages_all_posts(self) -> bool {
        matches!(self, Self::Admin | Self::Editor)
    }
}
