use actix_web::http::header;
use actix_web::{HttpResponse, delete, patch, post, web};
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

use super::TagResponse;
use crate::db::tags;
use crate::domain::Visibility;
use crate::domain::problems::Problems;
use crate::domain::{Slug, Tags};
use crate::error::{AppError, Problem};
use crate::routes::json::JsonBody;
use crate::state::AppState;

const MAX_DESCRIPTION_CHARS: usize = 1_000;

/// A new tag.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Web dev", "description": "Building for the web."}))]
pub struct CreateTagRequest {
    /// 1–64 characters, no control characters; trimmed.
    #[schema(schema_with = crate::domain::tags::tag_name_schema)]
    pub name: String,
    /// Derived from the name when absent.
    #[schema(value_type = Option<Slug>)]
    pub slug: Option<String>,
    /// At most 1,000 characters; blank means none.
    #[schema(max_length = 1000, pattern = r"^[^\u0000]*$")]
    pub description: Option<String>,
}

/// A partial update: absent keeps, `null` clears the description. The
/// slug never changes (posts name the tag through it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTagRequest {
    /// A new name: 1–64 characters, no control characters; trimmed. Not
    /// null (absent keeps the name).
    #[serde(default, deserialize_with = "not_null")]
    #[schema(schema_with = crate::domain::tags::tag_name_schema)]
    pub name: Option<String>,
    /// A new description of at most 1,000 characters; `null` or blank clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable, max_length = 1000, pattern = r"^[^\u0000]*$")]
    pub description: Option<Option<String>>,
}

/// A field that may be absent but, when present, may not be `null`.
fn not_null<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

fn check_name(p: &mut Problems, raw: &str) -> Option<String> {
    p.check("name", Tags::parse([raw]))
        .and_then(|t| t.into_inner().pop())
}

fn check_description(p: &mut Problems, raw: Option<&str>) -> Option<Option<String>> {
    match raw.map(str::trim) {
        None | Some("") => Some(None),
        Some(d) if d.chars().count() > MAX_DESCRIPTION_CHARS => {
            p.push(
                "description",
                format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
            );
            None
        }
        Some(d) => Some(Some(d.to_owned())),
    }
}

/// Create a tag. Editors and admins only.
#[utoipa::path(
    tag = "tags",
    request_body = CreateTagRequest,
    responses(
        (status = 201, description = "Created", body = TagResponse,
            headers(("Location" = String, description = "The new tag's URL"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/tags")]
pub async fn create_tag(
    state: web::Data<AppState>,
    body: JsonBody<CreateTagRequest>,
) -> Result<HttpResponse, AppError> {
    let JsonBody(req) = body;
    let mut p = Problems::default();
    let name = check_name(&mut p, &req.name);
    let slug = match (&req.slug, &name) {
        (Some(s), _) => p.check("slug", Slug::parse(s)),
        (None, Some(n)) => p.check(
            "slug",
            Slug::from_title(n).ok_or("cannot be derived from the name"),
        ),
        (None, None) => None,
    };
    let description = check_description(&mut p, req.description.as_deref());
    p.finish()?;
    let (Some(name), Some(slug), Some(description)) = (name, slug, description) else {
        return Err(AppError::BadRequest("invalid tag".into()));
    };
    let mut conn = state.conn().await?;
    if !tags::insert(&mut conn, slug.as_str(), &name, description.as_deref()).await? {
        return Err(AppError::Conflict(format!("the tag `{slug}` exists")));
    }
    let tag = tags::find(&mut conn, slug.as_str(), Visibility::All)
        .await?
        .ok_or(AppError::NotFound("tag"))?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            state.config.public_link(&format!("/api/v1/tags/{slug}")),
        ))
        .json(TagResponse::from(tag)))
}

/// Change a tag's name or description. Editors and admins only.
#[utoipa::path(
    tag = "tags",
    params(("slug" = String, Path, description = "The tag's slug", max_length = 200)),
    request_body = UpdateTagRequest,
    responses(
        (status = 200, description = "The updated tag", body = TagResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[patch("/tags/{slug}")]
pub async fn update_tag(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: JsonBody<UpdateTagRequest>,
) -> Result<web::Json<TagResponse>, AppError> {
    let JsonBody(req) = body;
    let mut conn = state.conn().await?;
    let tag = tags::find(&mut conn, &path, Visibility::All)
        .await?
        .ok_or(AppError::NotFound("tag"))?;
    let mut p = Problems::default();
    let name = match &req.name {
        Some(n) => check_name(&mut p, n),
        None => Some(tag.name.clone()),
    };
    let description = match &req.description {
        Some(d) => check_description(&mut p, d.as_deref()),
        None => Some(tag.description.clone()),
    };
    p.finish()?;
    let (Some(name), Some(description)) = (name, description) else {
        return Err(AppError::BadRequest("invalid tag".into()));
    };
    if !tags::update(&mut conn, &tag.slug, &name, description.as_deref()).await? {
        return Err(AppError::NotFound("tag"));
    }
    let tag = tags::find(&mut conn, &tag.slug, Visibility::All)
        .await?
        .ok_or(AppError::NotFound("tag"))?;
    Ok(web::Json(tag.into()))
}

/// Delete a tag that no post carries (409 while posts do). Editors and admins only.
#[utoipa::path(
    tag = "tags",
    params(("slug" = String, Path, description = "The tag's slug", max_length = 200)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such tag", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Posts still carry the tag", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[delete("/tags/{slug}")]
pub async fn delete_tag(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.conn().await?;
    match tags::delete_unused(&mut conn, &path).await? {
        None => Err(AppError::NotFound("tag")),
        Some(false) => Err(AppError::Conflict(
            "posts still carry this tag; remove it from them first".into(),
        )),
        Some(true) => Ok(HttpResponse::NoContent().finish()),
    }
}
