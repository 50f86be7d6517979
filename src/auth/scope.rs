use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What an API key may do. Users are not scoped: their role decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Scope {
    /// Read published posts (for public frontends).
    #[serde(rename = "content:read")]
    ContentRead,
    /// Read drafts too (for preview builds).
    #[serde(rename = "preview:read")]
    PreviewRead,
    /// Create, update and delete posts, as the key's creator.
    #[serde(rename = "posts:write")]
    PostsWrite,
}

impl Scope {
    pub const ALL: [Self; 3] = [Self::ContentRead, Self::PreviewRead, Self::PostsWrite];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ContentRead => "content:read",
            Self::PreviewRead => "preview:read",
            Self::PostsWrite => "posts:write",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_through_their_names() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
            let json = serde_json::to_string(&scope).unwrap();
            assert_eq!(json, format!("\"{}\"", scope.as_str()));
        }
        assert_eq!(Scope::parse("admin"), None);
    }
}
