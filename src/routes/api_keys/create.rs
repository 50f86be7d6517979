use actix_web::http::header;
use actix_web::{HttpResponse, post, web};
use chrono::Utc;
use uuid::Uuid;

use super::dto::{ApiKeyResponse, CreateApiKeyRequest, CreatedApiKey};
use crate::auth::{Caller, Scope, api_key};
use crate::db::api_keys::{self, ApiKey};
use crate::domain::PersonName;
use crate::error::{AppError, FieldError, Problem};
use crate::routes::json::JsonBody;
use crate::state::AppState;

/// Create an API key; the secret is in this answer only.
///
/// The key acts as the admin who made it, limited to its scopes:
/// `content:read` reads published posts, `preview:read` drafts too, and
/// `posts:write` creates, updates and deletes posts. It stops working when
/// revoked, when it expires, or when its creator is disabled or deleted.
#[utoipa::path(tag = "api-keys", request_body = CreateApiKeyRequest,
    responses(
        (status = 201, description = "Created; `key` is shown once", body = CreatedApiKey,
            headers(("Location" = String, description = "Where to revoke the key"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: no scopes, an unknown scope, a past expiry…", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    admin: Caller,
    body: JsonBody<CreateApiKeyRequest>,
) -> Result<HttpResponse, AppError> {
    let JsonBody(req) = body;
    let now = Utc::now();
    let mut problems = Vec::new();
    let name = PersonName::parse(&req.name)
        .map_err(|e| problems.push(FieldError::new("name", e)))
        .ok();
    if req.scopes.is_empty() {
        problems.push(FieldError::new("scopes", "must name at least one scope"));
    }
    if req.scopes.len() > Scope::ALL.len() {
        problems.push(FieldError::new(
            "scopes",
            format!("must name at most {} scopes", Scope::ALL.len()),
        ));
    }
    if req.expires_at.is_some_and(|at| at <= now) {
        problems.push(FieldError::new("expires_at", "must be in the future"));
    }
    let (Some(name), true) = (name, problems.is_empty()) else {
        return Err(AppError::Validation(problems));
    };
    let mut scopes: Vec<String> = req.scopes.iter().map(|s| s.as_str().to_owned()).collect();
    scopes.sort();
    scopes.dedup();

    let (key, prefix) = api_key::generate();
    let mut conn = state.conn().await?;
    let created = api_keys::insert(
        &mut conn,
        &ApiKey {
            id: Uuid::now_v7(),
            name: name.as_str().to_owned(),
            prefix,
            key_hash: api_key::digest(&key),
            scopes,
            created_by: admin.id,
            expires_at: req.expires_at,
            last_used_at: None,
            revoked_at: None,
            created_at: now,
        },
    )
    .await?;
    let location = state
        .config
        .public_link(&format!("/api/v1/api-keys/{}", created.id));
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CreatedApiKey {
            info: ApiKeyResponse::from(created),
            key,
        }))
}
