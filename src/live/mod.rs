//! Live updates: `GET /api/v1/events`, a server-sent event stream of
//! content changes.
//!
//! Each instance keeps one `LISTEN` connection ([`hub`]) that hears every
//! committed change (the `folio_content` notifications the read cache also
//! follows), reads what changed once, and hands it to this instance's
//! streams; each stream ([`stream`]) keeps what its subscriber may see
//! ([`event`]). A client that reconnects with `Last-Event-ID` is replayed
//! what it missed from the database, so nothing depends on which instance
//! it reaches.

pub mod event;
pub mod hub;
pub mod stream;

pub use hub::Hub;
