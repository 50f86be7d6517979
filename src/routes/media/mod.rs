//! `/api/v1/media`: the media library (uploads, listing, editing,
//! deleting), and `/media/…`: the stored files themselves.

pub mod dto;
pub mod fields;
pub mod library;
pub mod serve;
pub mod upload;
