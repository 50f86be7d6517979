//! Webhooks: telling frontends and build services that content changed.
//!
//! The pieces, in the order an event travels:
//! - the triggers of migration `webhooks` write an event row, and one
//!   pending delivery per subscription that wants it, in the transaction
//!   of the change (the outbox: committed changes always have their
//!   events, rolled-back ones never do);
//! - [`worker`] (on every instance) claims due deliveries with
//!   `FOR UPDATE SKIP LOCKED`, sends them and records each attempt;
//! - [`payload`] builds the body, [`signature`] signs it (Standard
//!   Webhooks), [`target`] keeps it from reaching internal addresses.
//!
//! Subscriptions are managed at `/api/v1/webhooks` (see `routes::webhooks`).

pub mod payload;
pub mod signature;
pub mod target;
pub mod worker;
