use actix_web::{HttpResponse, get, post, web};
use uuid::Uuid;

use super::dto::{DeliveryList, DeliveryListQuery, DeliveryResponse};
use crate::auth::Caller;
use crate::db::webhooks;
use crate::error::{AppError, Problem};
use crate::state::AppState;

const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;

/// A webhook's delivery log, newest first: each delivery's event, state,
/// and every attempt (status, latency, error, the first bytes of the
/// answer). Kept for `FOLIO_WEBHOOK_LOG_DAYS`.
#[utoipa::path(tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id"), DeliveryListQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryList),
        (status = 400, description = "A bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    _admin: Caller,
    id: web::Path<Uuid>,
    query: web::Query<DeliveryListQuery>,
) -> Result<web::Json<DeliveryList>, AppError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::BadRequest(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    let mut conn = state.conn().await?;
    let hook = super::find(&mut conn, *id).await?;
    let mut page =
        webhooks::list_deliveries(&mut conn, hook.id, query.cursor, i64::from(limit) + 1).await?;
    let more = page.len() > limit as usize;
    page.truncate(limit as usize);
    let ids: Vec<Uuid> = page.iter().map(|d| d.id).collect();
    let attempts = webhooks::attempts_of(&mut conn, &ids).await?;
    Ok(web::Json(DeliveryList {
        next_cursor: more.then(|| page.last().map(|d| d.id)).flatten(),
        data: page
            .into_iter()
            .map(|d| DeliveryResponse::new(d, &attempts))
            .collect(),
    }))
}

/// Redeliver: send a delivery again, with the same event (and so the same
/// `webhook-id`). A finished delivery goes back in the queue; a pending
/// one is made due now.
#[utoipa::path(tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "The webhook's id"),
        ("delivery_id" = Uuid, Path, description = "The delivery's id"),
    ),
    responses(
        (status = 202, description = "Queued", body = DeliveryResponse),
        (status = 404, description = "No such webhook or delivery", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The webhook is switched off", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver_webhook_delivery(
    state: web::Data<AppState>,
    _admin: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    let (id, delivery_id) = path.into_inner();
    let mut conn = state.conn().await?;
    let hook = super::find(&mut conn, id).await?;
    if !hook.active {
        return Err(AppError::Conflict(
            "the webhook is switched off; switch it on first".into(),
        ));
    }
    let delivery = webhooks::redeliver(&mut conn, hook.id, delivery_id)
        .await?
        .ok_or(AppError::NotFound("delivery"))?;
    let attempts = webhooks::attempts_of(&mut conn, &[delivery.id]).await?;
    Ok(HttpResponse::Accepted().json(DeliveryResponse::new(delivery, &attempts)))
}
