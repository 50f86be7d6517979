use actix_web::{HttpResponse, post, web};
use chrono::Utc;
use uuid::Uuid;

use super::dto::{RotateSecretRequest, RotatedSecret};
use crate::auth::Caller;
use crate::db::webhooks;
use crate::error::{AppError, Problem};
use crate::routes::json::JsonBody;
use crate::state::AppState;
use crate::webhooks::signature;

const DEFAULT_OVERLAP_SECS: u32 = 86_400;
const MAX_OVERLAP_SECS: u32 = 7 * 86_400;

/// Replace a webhook's signing secret; the new one is in this answer only.
///
/// For `overlap_seconds` (default a day) every delivery is signed with
/// both secrets, so a receiver verifies with either while it switches.
#[utoipa::path(tag = "webhooks", request_body = RotateSecretRequest,
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The new secret, shown once", body = RotatedSecret),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A build hook: it has no secret", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An overlap longer than 7 days", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    _admin: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<RotateSecretRequest>,
) -> Result<HttpResponse, AppError> {
    let JsonBody(req) = body;
    let overlap = req.overlap_seconds.unwrap_or(DEFAULT_OVERLAP_SECS);
    if overlap > MAX_OVERLAP_SECS {
        return Err(AppError::invalid(
            "overlap_seconds",
            format!("must be at most {MAX_OVERLAP_SECS} (7 days)"),
        ));
    }
    let mut conn = state.conn().await?;
    let current = super::find(&mut conn, *id).await?;
    if current.secret.is_none() {
        return Err(AppError::Conflict(
            "a build hook has no secret: its URL is the secret; change the URL instead".into(),
        ));
    }
    let secret = signature::generate_secret();
    let ends = Utc::now() + chrono::Duration::seconds(i64::from(overlap));
    let rotated = webhooks::rotate_secret(&mut conn, *id, &secret, ends)
        .await?
        .ok_or(AppError::NotFound("webhook"))?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(RotatedSecret {
            secret,
            previous_secret_expires_at: rotated
                .previous_secret_expires_at
                .filter(|at| *at > Utc::now()),
        }))
}
