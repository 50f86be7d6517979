//! `/api/v1/media`: the media library (uploads, listing, editing,
//! deleting), and `/media/…`: the stored files themselves.

pub mod dto;
