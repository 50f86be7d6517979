//! Which posts a caller may see, and the one definition of "public".
//!
//! A post is public when it is published, or scheduled and its time has
//! come: [`PostStatus::is_public_at`](super::PostStatus::is_public_at) in
//! Rust and [`crate::db::lifecycle::is_public`] in SQL, which a test keeps
//! equal. Every read (single posts, lists, search, counts, feeds, the
//! sitemap, `/sync`) and the read cache's horizon use one of the two.

use uuid::Uuid;

/// Which posts a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Public posts only: anonymous callers, API keys without `preview:read`.
    Published,
    /// Public posts and the caller's own (authors, contributors).
    PublishedOrOwnedBy(Uuid),
    /// Every post (editors and admins).
    All,
}

impl Visibility {
    /// Whether a caller with this visibility sees a post by `author` that
    /// is (`public`) or is not public now.
    pub fn allows(self, author: Uuid, public: bool) -> bool {
        match self {
            Self::Published => public,
            Self::PublishedOrOwnedBy(user) => public || author == user,
            Self::All => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_visibility_sees_what_it_should() {
        let (me, other) = (Uuid::now_v7(), Uuid::now_v7());
        assert!(Visibility::Published.allows(other, true));
        assert!(!Visibility::Published.allows(me, false));
        assert!(Visibility::PublishedOrOwnedBy(me).allows(me, false));
        assert!(!Visibility::PublishedOrOwnedBy(me).allows(other, false));
        assert!(Visibility::All.allows(other, false));
    }
}
