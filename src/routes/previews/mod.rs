//! Preview links: a token that lets a reviewer read one post (as it is,
//! or as one revision was) until it expires, and nothing else.
//!
//! Authors and editors make and revoke them under the post
//! (`/api/v1/posts/{id_or_slug}/previews`); the reader follows the link
//! (`/api/v1/preview`, with the token in `Authorization` or in the
//! `preview_token` query parameter). The gate
//! ([`crate::middleware::gate`]) authenticates the token and refuses it
//! everywhere else.

pub mod dto;
pub mod manage;
pub mod read;
