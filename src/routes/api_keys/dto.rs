use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Scope;
use crate::db::api_keys::ApiKey;

/// An API key as listed: never the secret, only its first characters.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyResponse {
    pub id: Uuid,
    #[schema(example = "Website frontend")]
    pub name: String,
    /// The key's first characters, to tell keys apart.
    #[schema(example = "folio_AbC12x")]
    pub prefix: String,
    pub scopes: Vec<Scope>,
    /// The admin who made the key; it acts as them, within its scopes.
    pub created_by: Uuid,
    pub expires_at: Option<DateTime<Utc>>,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<ApiKey> for ApiKeyResponse {
    fn from(k: ApiKey) -> Self {
        Self {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            scopes: k.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
            created_by: k.created_by,
            expires_at: k.expires_at,
            last_used_at: k.last_used_at,
            created_at: k.created_at,
        }
    }
}

/// A new key, with its secret: shown this once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub info: ApiKeyResponse,
    /// Send as `Authorization: Bearer <key>`. Store it now: Folio keeps
    /// only a hash and cannot show it again.
    #[schema(example = "folio_AbC12xYzq0fQ3t1sUuZk9mWcE5vN7pL2rS4hT6jB8dG")]
    pub key: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyList {
    pub data: Vec<ApiKeyResponse>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// A name to tell keys apart.
    #[schema(example = "Website frontend", min_length = 1, max_length = 100)]
    pub name: String,
    /// One to three scopes (repeats count once).
    #[schema(example = json!(["content:read"]), min_items = 1, max_items = 3)]
    pub scopes: Vec<Scope>,
    /// When the key stops working; never, when absent. Must be in the future.
    #[schema(max_length = 64)]
    pub expires_at: Option<DateTime<Utc>>,
}
