//! The library: listing, reading, editing and deleting items.
//!
//! Every signed-in user (and any key) may read the library; editors and
//! admins may edit and delete any item, other roles only what they
//! uploaded themselves.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, web};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::dto::{FocalPoint, MediaResponse};
use super::fields::{self, MAX_ALT_CHARS, MAX_CAPTION_CHARS};
use crate::auth::extractor::Caller;
use crate::db::media::{self as db, ListFilter, MediaChanges, NotDeleted};
use crate::domain::problems::Problems;
use crate::error::{AppError, Problem};
use crate::media::store::{original_key, variant_key};
use crate::routes::json::JsonBody;
use crate::routes::posts::dto::{ListMeta, Pagination};
use crate::state::AppState;

const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;
const MAX_PAGE: u32 = 1_000_000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MediaListQuery {
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Items per page (1–100, default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// Only items without alt text.
    pub missing_alt: Option<bool>,
    /// Only items no post uses (safe to delete).
    pub unused: Option<bool>,
}

/// One page of the library, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaList {
    pub data: Vec<MediaResponse>,
    pub meta: ListMeta,
}

fn base(state: &AppState) -> String {
    state.config.public_link("")
}

/// List the media library, newest first.
#[utoipa::path(
    tag = "media",
    params(MediaListQuery),
    responses(
        (status = 200, description = "One page of items", body = MediaList),
        (status = 400, description = "A bad query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/media")]
pub async fn list_media(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<MediaListQuery>,
) -> Result<web::Json<MediaList>, AppError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::BadRequest(format!(
            "query parameter `limit` must be from 1 to {MAX_LIMIT}"
        )));
    }
    let page = query.page.unwrap_or(1);
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(AppError::BadRequest(format!(
            "query parameter `page` must be from 1 to {MAX_PAGE}"
        )));
    }
    let filter = ListFilter {
        missing_alt: query.missing_alt.unwrap_or(false),
        unused: query.unused.unwrap_or(false),
    };
    let mut conn = state.conn().await?;
    let offset = i64::from(page - 1) * i64::from(limit);
    let (items, total) = db::list(&mut conn, filter, i64::from(limit), offset).await?;
    let total = total.max(0) as u64;
    let pages = total.div_ceil(u64::from(limit));
    let link = |page: u32| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
            if k != "page" {
                q.append_pair(&k, &v);
            }
        }
        q.append_pair("page", &page.to_string());
        state
            .config
            .public_link(&format!("/api/v1/media?{}", q.finish()))
    };
    let base = base(&state);
    Ok(web::Json(MediaList {
        data: items
            .into_iter()
            .map(|i| MediaResponse::new(i, &base))
            .collect(),
        meta: ListMeta {
            pagination: Pagination {
                page: Some(page),
                limit,
                pages: Some(pages),
                total: Some(total),
                next: (u64::from(page) < pages).then(|| link(page + 1)),
                prev: (page > 1).then(|| link(page - 1)),
                next_cursor: None,
            },
        },
    }))
}

async fn found(state: &AppState, id: Uuid) -> Result<MediaResponse, AppError> {
    let mut conn = state.conn().await?;
    let item = db::find(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("media item"))?;
    let item = db::with_variants(&mut conn, vec![item]).await?.remove(0);
    Ok(MediaResponse::new(item, &base(state)))
}

/// Get an item of the library, with its variants.
#[utoipa::path(
    tag = "media",
    params(("id" = Uuid, Path, description = "The item's id")),
    responses(
        (status = 200, description = "The item", body = MediaResponse),
        (status = 400, description = "Not an id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/media/{id}")]
pub async fn get_media(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<MediaResponse>, AppError> {
    Ok(web::Json(found(&state, *id).await?))
}

/// A partial update: absent keeps a field, `null` clears it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMediaRequest {
    /// At most 1,000 characters; `null` or blank clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable, max_length = 1000)]
    pub alt: Option<Option<String>>,
    /// At most 2,000 characters; `null` or blank clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable, max_length = 2000)]
    pub caption: Option<Option<String>>,
    /// Where the subject is; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<FocalPoint>, nullable)]
    pub focal_point: Option<Option<FocalPoint>>,
}

fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Whether the caller may change or delete an item: editors and admins
/// any, others their own uploads.
fn check_may_manage(caller: &Caller, uploaded_by: Option<Uuid>) -> Result<(), AppError> {
    if caller.role.manages_all_posts() || uploaded_by == Some(caller.id) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "change an item someone else uploaded (editors and admins may)".into(),
        ))
    }
}

/// Change an item's alt text, caption or focal point. Editors and admins
/// may change any item; others the items they uploaded.
#[utoipa::path(
    tag = "media",
    params(("id" = Uuid, Path, description = "The item's id")),
    request_body = UpdateMediaRequest,
    responses(
        (status = 200, description = "The updated item", body = MediaResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[patch("/media/{id}")]
pub async fn update_media(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateMediaRequest>,
) -> Result<web::Json<MediaResponse>, AppError> {
    let JsonBody(req) = body;
    let mut p = Problems::default();
    let alt = req
        .alt
        .map(|a| fields::text(&mut p, "alt", a.as_deref().unwrap_or(""), MAX_ALT_CHARS));
    let caption = req.caption.map(|c| {
        fields::text(
            &mut p,
            "caption",
            c.as_deref().unwrap_or(""),
            MAX_CAPTION_CHARS,
        )
    });
    let focal = req.focal_point.map(|f| match f {
        None => Some(None),
        Some(f) => fields::focal(&mut p, Some(f.x), Some(f.y)),
    });
    p.finish()?;
    let mut conn = state.conn().await?;
    let item = db::find(&mut conn, *id)
        .await?
        .ok_or(AppError::NotFound("media item"))?;
    check_may_manage(&caller, item.uploaded_by)?;
    let focal = focal.flatten();
    let changes = MediaChanges {
        alt: alt.flatten(),
        caption: caption.flatten(),
        focal_x: focal.map(|f| f.map(|f| f.x)),
        focal_y: focal.map(|f| f.map(|f| f.y)),
    };
    if changes.alt.is_some() || changes.caption.is_some() || changes.focal_x.is_some() {
        db::update(&mut conn, *id, changes)
            .await?
            .ok_or(AppError::NotFound("media item"))?;
    }
    drop(conn);
    Ok(web::Json(found(&state, *id).await?))
}

/// Delete an item and its files. An item a post uses is not deleted: the
/// answer is a 409 naming the posts (`?unused=true` lists what is safe to
/// delete). Editors and admins may delete any item; others their own.
#[utoipa::path(
    tag = "media",
    params(("id" = Uuid, Path, description = "The item's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Not an id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Posts use it: they are named", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[delete("/media/{id}")]
pub async fn delete_media(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.conn().await?;
    let item = db::find(&mut conn, *id)
        .await?
        .ok_or(AppError::NotFound("media item"))?;
    check_may_manage(&caller, item.uploaded_by)?;
    let in_use = |posts: Vec<db::PostUsing>| {
        let named: Vec<String> = posts
            .iter()
            .map(|p| format!("{} ({})", p.slug, p.id))
            .collect();
        AppError::Conflict(format!(
            "posts use this item: {}; remove it from them first",
            named.join(", ")
        ))
    };
    let (deleted, variants) = match db::delete(&mut conn, *id).await {
        Ok(Ok(done)) => done,
        Ok(Err(NotDeleted::Missing)) => return Err(AppError::NotFound("media item")),
        Ok(Err(NotDeleted::InUse(posts))) => return Err(in_use(posts)),
        // A post began using it between the check and the delete.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ForeignKeyViolation,
            _,
        )) => return Err(in_use(db::used_by(&mut conn, *id).await?)),
        Err(e) => return Err(e.into()),
    };
    drop(conn);
    // Keys are content addresses and `sha256` is unique, so no other row
    // names these files. (Bytes uploaded again later are stored again.)
    let store = &state.media.store;
    let mut keys = vec![original_key(&deleted.sha256, &deleted.ext)];
    keys.extend(
        variants
            .iter()
            .map(|v| variant_key(&deleted.sha256, v.width, &v.format)),
    );
    for key in keys {
        if let Err(e) = store.delete(&key).await {
            tracing::warn!(%key, error = %e, "media: a deleted item's file could not be removed");
        }
    }
    Ok(HttpResponse::NoContent().finish())
}
