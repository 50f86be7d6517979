//! The permission table: what every operation needs, in one place.
//!
//! Each operation of the API (named by its OpenAPI `operationId`) has one
//! row: whether anonymous callers may call it, which roles may, and what
//! an API key needs. [`crate::middleware::gate`] enforces the table before
//! any handler runs, the OpenAPI document states each operation's security
//! from it ([`crate::openapi`]), and the README's table is printed from it
//! ([`markdown_table`]); a test fails when either drifts. An operation
//! without a row is refused at start-up, so a new route cannot ship open.
//!
//! The table decides who may call an operation at all. What a caller may
//! do to one post (their own or another's, a draft or not) is decided next
//! to the post, in [`crate::routes::posts::check_may_manage`] and the
//! lifecycle rules.

use super::{Caller, Role, Scope};
use crate::error::AppError;

/// What an API key needs to call an operation. A key acts as the admin who
/// made it, limited to its scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAccess {
    /// Keys are refused (403): managing people, keys and passwords is for
    /// people, with an access token.
    Refused,
    /// Any key; its scopes decide what it sees (`preview:read` for drafts).
    Any,
    /// Only a key with this scope.
    Scope(Scope),
}

/// Whether an operation takes a preview token (`folio_pv_…`), which reads
/// one post and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviewTokens {
    /// Refused (403): a preview link is no credential for this.
    Refused,
    /// Only a preview token: the preview reads.
    Required,
    /// Besides the other credentials: the event stream, limited to the
    /// token's post.
    Accepted,
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission {
    /// Anonymous callers may call it.
    pub anonymous: bool,
    /// The roles of users who may call it (for an API key: of its creator).
    pub roles: &'static [Role],
    pub key: KeyAccess,
    /// Whether the operation looks at the caller at all. Those that do not
    /// (probes, feeds, logging in) ignore any `Authorization` header, so a
    /// stale token a client still sends cannot fail a login.
    pub identifies: bool,
    /// A successful call may change what anonymous readers see, so the read
    /// cache drops its entries (on this instance at once; elsewhere through
    /// the database's notifications).
    pub writes_content: bool,
    pub preview: PreviewTokens,
}

const ALL_ROLES: &[Role] = &[Role::Admin, Role::Editor, Role::Author, Role::Contributor];
const EDITORS: &[Role] = &[Role::Admin, Role::Editor];
const ADMINS: &[Role] = &[Role::Admin];

/// Anyone, and the credential is not even looked at: probes, feeds,
/// logging in (which proves itself with what it carries).
const OPEN: Permission = Permission {
    anonymous: true,
    roles: ALL_ROLES,
    key: KeyAccess::Any,
    identifies: false,
    writes_content: false,
    preview: PreviewTokens::Refused,
};
/// Anyone; a signed-in caller or a key with `preview:read` sees more
/// (drafts they may see), never less.
const PUBLIC: Permission = Permission {
    identifies: true,
    ..OPEN
};
/// Any signed-in user, never a key: the caller's own account.
const SELF_SERVICE: Permission = Permission {
    anonymous: false,
    roles: ALL_ROLES,
    key: KeyAccess::Refused,
    identifies: true,
    writes_content: false,
    preview: PreviewTokens::Refused,
};
/// Admins with an access token: people and keys.
const ADMIN_ONLY: Permission = Permission {
    anonymous: false,
    roles: ADMINS,
    key: KeyAccess::Refused,
    identifies: true,
    writes_content: false,
    preview: PreviewTokens::Refused,
};
/// Writing posts: every role (each within its lifecycle rules), or a key
/// with `posts:write`.
const POST_WRITE: Permission = Permission {
    anonymous: false,
    roles: ALL_ROLES,
    key: KeyAccess::Scope(Scope::PostsWrite),
    identifies: true,
    writes_content: true,
    preview: PreviewTokens::Refused,
};
/// Reading what is not public yet (revisions): every role (for posts they
/// may manage), or a key with `preview:read`.
const PREVIEW_READ: Permission = Permission {
    anonymous: false,
    roles: ALL_ROLES,
    key: KeyAccess::Scope(Scope::PreviewRead),
    identifies: true,
    writes_content: false,
    preview: PreviewTokens::Refused,
};
/// Editors' tools on the shared taxonomy.
const TAG_WRITE: Permission = Permission {
    anonymous: false,
    roles: EDITORS,
    key: KeyAccess::Scope(Scope::PostsWrite),
    identifies: true,
    writes_content: true,
    preview: PreviewTokens::Refused,
};

/// Uploading images: every role (contributors write drafts with images
/// too), or a key with `posts:write`. Editing and deleting an item is
/// further limited to its uploader unless the caller is an editor or admin
/// (checked next to the item).
const MEDIA_WRITE: Permission = Permission {
    anonymous: false,
    roles: ALL_ROLES,
    key: KeyAccess::Scope(Scope::PostsWrite),
    identifies: true,
    writes_content: false,
    preview: PreviewTokens::Refused,
};

/// Reading the library (which lists items no post uses yet): any
/// signed-in user, or any key.
const MEDIA_READ: Permission = Permission {
    anonymous: false,
    roles: ALL_ROLES,
    key: KeyAccess::Any,
    identifies: true,
    writes_content: false,
    preview: PreviewTokens::Refused,
};

/// Making and revoking a post's preview links: whoever may change the
/// post (checked next to it), or a key with `posts:write`.
const PREVIEW_MANAGE: Permission = Permission {
    writes_content: false,
    ..POST_WRITE
};
/// Reading a post through its preview link: the link's token and nothing
/// else.
const PREVIEW_LINK: Permission = Permission {
    anonymous: true,
    roles: &[],
    key: KeyAccess::Refused,
    identifies: true,
    writes_content: false,
    preview: PreviewTokens::Required,
};
/// The event stream: anyone (public changes), a signed-in caller or key
/// (what they may read), or a preview token (its post's changes).
const STREAM: Permission = Permission {
    preview: PreviewTokens::Accepted,
    ..PUBLIC
};

/// Every operation and what it needs, by `operationId`.
#[rustfmt::skip]
pub const TABLE: &[(&str, Permission)] = &[
    // Probes, feeds and public reads.
    ("live",             OPEN),
    ("ready",            OPEN),
    ("metrics",          OPEN),
    ("rss_feed",         OPEN),
    ("atom_feed",        OPEN),
    ("json_feed",        OPEN),
    ("sitemap",          OPEN),
    ("list_posts",       PUBLIC),
    ("get_post",         PUBLIC),
    ("get_post_html",    PUBLIC),
    ("sync_posts",       PUBLIC),
    ("list_tags",        PUBLIC),
    ("get_tag",          PUBLIC),
    ("list_authors",     PUBLIC),
    ("get_author",       PUBLIC),
    // Media files: immutable, public, and served without looking at any
    // credential (as a CDN would).
    ("get_media_file",   OPEN),
    ("get_media_variant", OPEN),
    // Sessions. Logging in, refreshing and logging out prove themselves
    // with what they carry (a password, a refresh token).
    ("login",            OPEN),
    ("refresh",          OPEN),
    ("logout",           OPEN),
    ("me",               SELF_SERVICE),
    ("change_password",  SELF_SERVICE),
    // Posts.
    ("create_post",      POST_WRITE),
    ("bulk_posts",       POST_WRITE),
    ("update_post",      POST_WRITE),
    ("replace_post",     POST_WRITE),
    ("delete_post",      POST_WRITE),
    ("restore_revision", POST_WRITE),
    ("list_revisions",   PREVIEW_READ),
    ("get_revision",     PREVIEW_READ),
    // Rendering without storing: an editor's tool, with the cost of a write.
    ("render_preview",   Permission { writes_content: false, ..POST_WRITE }),
    // Preview links and the live event stream.
    ("create_preview",   PREVIEW_MANAGE),
    ("list_previews",    PREVIEW_MANAGE),
    ("delete_preview",   PREVIEW_MANAGE),
    ("get_preview",      PREVIEW_LINK),
    ("get_preview_html", PREVIEW_LINK),
    ("stream_events",    STREAM),
    // The media library.
    ("upload_media",     MEDIA_WRITE),
    ("update_media",     MEDIA_WRITE),
    ("delete_media",     MEDIA_WRITE),
    ("list_media",       MEDIA_READ),
    ("get_media",        MEDIA_READ),
    // Tags.
    ("create_tag",       TAG_WRITE),
    ("update_tag",       TAG_WRITE),
    ("delete_tag",       TAG_WRITE),
    // People and keys.
    ("list_users",       ADMIN_ONLY),
    ("create_user",      ADMIN_ONLY),
    ("get_user",         ADMIN_ONLY),
    ("update_user",      Permission { writes_content: true, ..ADMIN_ONLY }),
    ("delete_user",      Permission { writes_content: true, ..ADMIN_ONLY }),
    ("clear_login_throttle", ADMIN_ONLY),
    ("list_api_keys",    ADMIN_ONLY),
    ("create_api_key",   ADMIN_ONLY),
    ("delete_api_key",   ADMIN_ONLY),
    // Webhooks: where content is sent, and the secrets it is signed with.
    ("list_webhooks",    ADMIN_ONLY),
    ("create_webhook",   ADMIN_ONLY),
    ("get_webhook",      ADMIN_ONLY),
    ("update_webhook",   ADMIN_ONLY),
    ("delete_webhook",   ADMIN_ONLY),
    ("rotate_webhook_secret", ADMIN_ONLY),
    ("ping_webhook",     ADMIN_ONLY),
    ("test_webhook",     ADMIN_ONLY),
    ("list_webhook_deliveries", ADMIN_ONLY),
    ("redeliver_webhook_delivery", ADMIN_ONLY),
];

/// The row of an operation; `None` for an operation the table forgot
/// (refused at start-up, and by the gate should one slip through).
pub fn of(operation_id: &str) -> Option<Permission> {
    TABLE
        .iter()
        .find(|(id, _)| *id == operation_id)
        .map(|(_, p)| *p)
}

impl Permission {
    /// Whether a user of this role may call it (with an access token, or
    /// through a key they made).
    pub fn allows_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether every role may call it.
    pub fn any_role(&self) -> bool {
        ALL_ROLES.iter().all(|r| self.roles.contains(r))
    }

    /// One line for people: who may call it.
    pub fn describe(&self) -> String {
        if !self.identifies {
            return "anyone (any credential sent is ignored)".to_owned();
        }
        if self.preview == PreviewTokens::Required {
            return "a preview token (from a preview link), and nothing else".to_owned();
        }
        let mut who = Vec::new();
        if self.anonymous {
            who.push("anyone".to_owned());
        } else if self.any_role() {
            who.push("any signed-in user".to_owned());
        } else {
            let roles: Vec<&str> = self.roles.iter().map(|r| r.as_str()).collect();
            who.push(format!("users with the role {}", roles.join(" or ")));
        }
        match self.key {
            KeyAccess::Refused => who.push("never an API key".to_owned()),
            KeyAccess::Any if self.anonymous => {}
            KeyAccess::Any => who.push("any API key".to_owned()),
            KeyAccess::Scope(scope) => {
                who.push(format!("an API key with `{}`", scope.as_str()));
            }
        }
        if self.preview == PreviewTokens::Accepted {
            who.push("a preview token (for its post)".to_owned());
        }
        who.join("; ")
    }
}

/// Checks a caller (or nobody) against a row: 401 for an anonymous caller
/// where one must sign in, 403 for a credential that may not.
pub fn authorize(p: &Permission, caller: Option<&Caller>) -> Result<(), AppError> {
    let Some(caller) = caller else {
        return if p.anonymous {
            Ok(())
        } else {
            Err(AppError::Unauthorized("authentication required".into()))
        };
    };
    if caller.is_key() {
        match p.key {
            KeyAccess::Refused => {
                return Err(AppError::Forbidden(
                    "do this with an API key; sign in as a user".into(),
                ));
            }
            KeyAccess::Scope(scope) if !caller.has(scope) => {
                return Err(AppError::Forbidden(format!(
                    "do this with an API key lacking the `{}` scope",
                    scope.as_str()
                )));
            }
            KeyAccess::Scope(_) | KeyAccess::Any => {}
        }
    }
    if !p.allows_role(caller.role) {
        let roles: Vec<&str> = p.roles.iter().map(|r| r.as_str()).collect();
        return Err(AppError::Forbidden(format!(
            "do this as {} {}: it takes the role {}",
            if caller.role == Role::Admin {
                "an"
            } else {
                "a"
            },
            caller.role.as_str(),
            roles.join(" or ")
        )));
    }
    Ok(())
}

/// The table as Markdown, for the README (a test keeps them the same).
pub fn markdown_table(operations: &[(String, String, String)]) -> String {
    let mut out = String::from(
        "| Operation | Method and path | Anonymous | Roles | API key | Preview token |\n|---|---|---|---|---|---|\n",
    );
    for (id, method, path) in operations {
        let Some(p) = of(id) else { continue };
        let roles = if p.roles.is_empty() {
            "none".to_owned()
        } else if p.any_role() {
            "all".to_owned()
        } else {
            p.roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let key = match p.key {
            _ if !p.identifies => "ignored".to_owned(),
            KeyAccess::Refused => "refused".to_owned(),
            KeyAccess::Any => "any scope".to_owned(),
            KeyAccess::Scope(s) => format!("`{}`", s.as_str()),
        };
        let preview = match p.preview {
            PreviewTokens::Refused => "refused",
            PreviewTokens::Required => "required",
            PreviewTokens::Accepted => "its post only",
        };
        let anonymous = if p.anonymous && p.preview != PreviewTokens::Required {
            "yes"
        } else {
            "no"
        };
        out.push_str(&format!(
            "| `{id}` | `{method} {path}` | {anonymous} | {roles} | {key} | {preview} |\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_names_a_distinct_operation() {
        let mut ids: Vec<&str> = TABLE.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "an operation has two rows");
    }

    fn caller(role: Role, scopes: Option<&[Scope]>) -> Caller {
        Caller {
            id: uuid::Uuid::nil(),
            name: "Ada".into(),
            role,
            credential: match scopes {
                None => super::super::Credential::AccessToken,
                Some(s) => super::super::Credential::ApiKey {
                    id: uuid::Uuid::nil(),
                    scopes: s.to_vec(),
                },
            },
        }
    }

    #[test]
    fn authorize_applies_each_column() {
        let write = of("update_post").unwrap();
        assert!(matches!(
            authorize(&write, None),
            Err(AppError::Unauthorized(_))
        ));
        assert!(authorize(&write, Some(&caller(Role::Contributor, None))).is_ok());
        let read_key = caller(Role::Admin, Some(&[Scope::ContentRead]));
        assert!(matches!(
            authorize(&write, Some(&read_key)),
            Err(AppError::Forbidden(_))
        ));
        let write_key = caller(Role::Admin, Some(&[Scope::PostsWrite]));
        assert!(authorize(&write, Some(&write_key)).is_ok());

        let users = of("list_users").unwrap();
        assert!(matches!(
            authorize(&users, Some(&caller(Role::Editor, None))),
            Err(AppError::Forbidden(_))
        ));
        assert!(authorize(&users, Some(&caller(Role::Admin, None))).is_ok());
        let admin_key = caller(Role::Admin, Some(&[Scope::PostsWrite, Scope::PreviewRead]));
        assert!(matches!(
            authorize(&users, Some(&admin_key)),
            Err(AppError::Forbidden(_))
        ));

        let public = of("list_posts").unwrap();
        assert!(authorize(&public, None).is_ok());
        assert!(authorize(&public, Some(&write_key)).is_ok());
    }

    #[test]
    fn nothing_that_writes_is_open_to_anonymous_callers() {
        for (id, p) in TABLE {
            assert!(!(p.writes_content && p.anonymous), "{id}");
        }
    }
}
