//! `/api/v1/posts`: one file per operation, the shared shapes beside them.

pub mod aliases;
pub mod create;
pub mod cursor;
pub mod delete;
pub mod document;
pub mod dto;
pub mod get;
pub mod html;
pub mod list;
pub mod list_params;
pub mod preconditions;
pub mod replace;
pub mod revisions;
pub mod sync;
pub mod update;
