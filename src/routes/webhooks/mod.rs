//! `/api/v1/webhooks`: subscriptions to content events, their delivery
//! log, and the operations that test them. Admins only, with an access
//! token: a webhook's URL and secret decide where content goes, which no
//! integration key should decide. How deliveries are made is in
//! [`crate::webhooks`].

pub mod create;
pub mod delete;
pub mod deliveries;
pub mod dto;
pub mod get;
pub mod list;
pub mod ping;
pub mod rotate_secret;
pub mod test_delivery;
pub mod update;

use uuid::Uuid;

use crate::db::DbConn;
use crate::db::webhooks::{self, Webhook};
use crate::error::AppError;

/// The webhook, or a 404.
async fn find(conn: &mut DbConn, id: Uuid) -> Result<Webhook, AppError> {
    webhooks::find(conn, id)
        .await?
        .ok_or(AppError::NotFound("webhook"))
}
