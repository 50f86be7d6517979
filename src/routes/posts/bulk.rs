use actix_web::{HttpMessage, HttpRequest, HttpResponse, post, web};
use futures_util::StreamExt;
use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::domain::Slug;
use crate::domain::post::bulk::{self, MAX_ITEMS, Ready, Unrendered};
use crate::domain::post::write::Put;
use crate::domain::post::{CreatePostRequest, PostInput};
use crate::error::{AppError, FieldError, Problem};
use crate::routes::json;
use crate::state::AppState;

/// A JSON array of posts, each as `POST /api/v1/posts` takes it (for the
/// OpenAPI document; the body is read item by item).
pub struct BulkPostsRequest;

impl utoipa::PartialSchema for BulkPostsRequest {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{
            AdditionalProperties, AnyOfBuilder, ArrayBuilder, ObjectBuilder, Ref, Type,
        };
        // Any object is accepted as an item: one that is not a valid post
        // fails alone, reported in the answer, and the others are written.
        let item = AnyOfBuilder::new()
            .item(Ref::from_schema_name("CreatePostRequest"))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .additional_properties(Some(AdditionalProperties::FreeForm(true)))
                    .description(Some(
                        "An object that is not a valid post: it fails alone, with the \
                         problem `POST /api/v1/posts` would answer.",
                    )),
            );
        ArrayBuilder::new()
            .items(item)
            .max_items(Some(MAX_ITEMS))
            .description(Some(
                "At most 500 posts, each an object as `POST /api/v1/posts` takes it and within \
                 `FOLIO_MAX_JSON_BYTES`. An item that is not an object refuses the whole \
                 request (422); an object that is not a valid post fails alone.",
            ))
            .examples([serde_json::json!([
                {"title": "First", "slug": "first", "markdown": "# First", "status": "published"},
                {"title": "Second", "slug": "second", "markdown": "# Second"}
            ])])
            .into()
    }
}

impl ToSchema for BulkPostsRequest {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::PartialSchema;
        schemas.push((
            CreatePostRequest::name().into(),
            CreatePostRequest::schema(),
        ));
        <CreatePostRequest as ToSchema>::schemas(schemas);
    }
}

/// Posts as NDJSON, one JSON object per line (for the OpenAPI document).
pub struct NdjsonPosts;

impl utoipa::PartialSchema for NdjsonPosts {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "One post per line, each a JSON object as `POST /api/v1/posts` takes it                  (`CreatePostRequest`) and within `FOLIO_MAX_JSON_BYTES`; blank lines are                  skipped and not counted. At most 500 posts, and at most                  `FOLIO_MAX_BULK_BYTES` (16 MiB by default) in all.",
            ))
            .max_length(Some(16 << 20))
            .into()
    }
}

impl ToSchema for NdjsonPosts {}

/// What was done with one item.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum BulkItemStatus {
    Created,
    Updated,
    Unchanged,
    Failed,
}

/// One item's result, by its position in the request.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkItemResult {
    /// The item's position in the request, from 0 (for NDJSON: among the
    /// lines that are not blank).
    pub index: u32,
    pub status: BulkItemStatus,
    /// The post's id, unless the item failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// The post's slug, when the item got as far as having one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::domain::Slug>)]
    pub slug: Option<String>,
    /// Why the item failed: the problem `POST /api/v1/posts` would have
    /// answered for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

/// How many items ended each way.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct BulkSummary {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub failed: u32,
}

/// Every item's result, in request order, and the counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResponse {
    pub results: Vec<BulkItemResult>,
    pub summary: BulkSummary,
}

/// Create or update many posts at once, idempotent by slug.
///
/// Send a JSON array (`application/json`) or one post per line
/// (`application/x-ndjson`), each post as `POST /api/v1/posts` takes it; at
/// most 500 posts, the body within `FOLIO_MAX_BULK_BYTES` (16 MiB by
/// default) and each post within `FOLIO_MAX_JSON_BYTES`. Each post is
/// written under its slug (or the one derived from its title, never
/// numbered): created when no post has it, replaced as by `PUT` when it
/// says something else and the caller may change it, left alone when it
/// already says the same. Two posts of one request with the same slug: the
/// later ones fail. Posts are written in transactions of 50, each post in
/// its own savepoint, so one post's failure never undoes or half-writes
/// another. The answer is 200 whenever the request itself is sound, and
/// reports each post by position: its outcome, or the problem that stopped
/// it.
#[utoipa::path(
    tag = "posts",
    request_body(content(
        (BulkPostsRequest = "application/json"),
        (NdjsonPosts = "application/x-ndjson", example = "{\"title\": \"First\", \"slug\": \"first\", \"markdown\": \"# First\"}\n{\"title\": \"Second\", \"markdown\": \"# Second\"}\n"),
    )),
    responses(
        (status = 200, description = "Each post's result, by position", body = BulkResponse),
        (status = 400, description = "The body is not one JSON array, or NDJSON that is not UTF-8", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API key without `posts:write`", body = Problem, content_type = "application/problem+json"),
        (status = 408, description = "The body took longer than `FOLIO_BODY_TIMEOUT_SECS` to arrive", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "More than 500 posts, or a body over `FOLIO_MAX_BULK_BYTES`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor NDJSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "JSON that is not an array of objects", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/bulk/posts")]
pub async fn bulk_posts(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let limits = &state.config.limits;
    let ndjson = match req.mime_type() {
        Ok(Some(m)) if m.type_() == "application" && m.subtype() == "x-ndjson" => true,
        _ if json::is_json(&req) => false,
        _ => {
            return Err(AppError::UnsupportedMediaType(
                "send application/json (an array) or application/x-ndjson".into(),
            ));
        }
    };
    let body =
        json::read_limited(&req, payload, limits.max_bulk_bytes, limits.body_timeout).await?;
    let items = if ndjson {
        parse_ndjson(&body, limits.max_json_bytes)?
    } else {
        parse_array(&body, limits.max_json_bytes)?
    };
    let total = items.len();

    let mut conn = state.conn().await?;
    let slugs: Vec<_> = items
        .iter()
        .filter_map(|(_, i)| i.as_ref().ok().map(PostInput::slug_or_derived))
        .collect();
    let stored = bulk::stored(&mut conn, &slugs).await?;
    // No connection is held while bodies render.
    drop(conn);
    let checked = bulk::check(&caller, items, &stored);
    drop(stored);

    let mut results: Vec<Option<BulkItemResult>> = (0..total).map(|_| None).collect();
    for (index, slug, e) in checked.failed {
        results[index] = Some(failure(index, slug.map(|s| s.to_string()), &e));
    }
    // Each batch is rendered while the one before it is written.
    let mut batches = Vec::new();
    let mut ready = checked.ready.into_iter().peekable();
    while ready.peek().is_some() {
        batches.push(ready.by_ref().take(bulk::BATCH).collect::<Vec<_>>());
    }
    let mut batches = batches.into_iter();
    if let Some(first) = batches.next() {
        let mut current = render_batch(&state, first).await;
        let mut conn = state.conn().await?;
        let keep = state.config.site.revisions_keep;
        loop {
            let (rendered, refused) = current;
            for (index, slug, e) in refused {
                results[index] = Some(failure(index, Some(slug.to_string()), &e));
            }
            let next = batches.next();
            let write = bulk::write_batch(&mut conn, &caller, &rendered, keep);
            let (written, following) = match next {
                Some(next) => {
                    let (w, f) = tokio::join!(write, render_batch(&state, next));
                    (w, Some(f))
                }
                None => (write.await, None),
            };
            for (index, outcome) in written {
                results[index] = Some(match outcome {
                    Ok((post, put)) => BulkItemResult {
                        index: position(index),
                        status: match put {
                            Put::Created => BulkItemStatus::Created,
                            Put::Updated => BulkItemStatus::Updated,
                            Put::Unchanged => BulkItemStatus::Unchanged,
                        },
                        id: Some(post.id),
                        slug: Some(post.slug.to_string()),
                        problem: None,
                    },
                    Err(e) => {
                        let slug = rendered
                            .iter()
                            .find(|r| r.index == index)
                            .map(|r| r.slug.to_string());
                        failure(index, slug, &e)
                    }
                });
            }
            match following {
                Some(f) => current = f,
                None => break,
            }
        }
    }

    let results: Vec<BulkItemResult> = results
        .into_iter()
        .enumerate()
        .map(|(index, r)| {
            r.unwrap_or_else(|| {
                failure(
                    index,
                    None,
                    &AppError::Internal(anyhow::anyhow!("bulk item {index} has no result")),
                )
            })
        })
        .collect();
    let mut summary = BulkSummary::default();
    for r in &results {
        *match r.status {
            BulkItemStatus::Created => &mut summary.created,
            BulkItemStatus::Updated => &mut summary.updated,
            BulkItemStatus::Unchanged => &mut summary.unchanged,
            BulkItemStatus::Failed => &mut summary.failed,
        } += 1;
    }
    // Items are found and written by their current slug, which a bulk
    // write never changes: the ids and slugs written name all it touched.
    let touched: Vec<String> = results
        .iter()
        .filter(|r| matches!(r.status, BulkItemStatus::Created | BulkItemStatus::Updated))
        .flat_map(|r| {
            r.id.map(|id| id.to_string())
                .into_iter()
                .chain(r.slug.clone())
        })
        .collect();
    let mut res = HttpResponse::Ok().json(BulkResponse { results, summary });
    crate::cache::Touched::record(&mut res, touched);
    Ok(res)
}

/// Renders a batch's new and changed bodies through the instance's
/// renderer, a few at a time; a body the renderer refuses fails its item.
async fn render_batch(
    state: &AppState,
    batch: Vec<Unrendered>,
) -> (Vec<Ready>, Vec<(usize, Slug, AppError)>) {
    let done: Vec<_> = futures_util::stream::iter(batch)
        .map(|item| async move {
            let rendered = if item.render {
                match super::media::render_post(
                    state,
                    item.input.markdown().to_owned(),
                    item.input.seo.feature_image.as_deref(),
                )
                .await
                {
                    Ok(r) => Some(r),
                    Err(e) => return Err((item.index, item.slug, e)),
                }
            } else {
                None
            };
            Ok(Ready {
                index: item.index,
                slug: item.slug,
                input: item.input,
                rendered,
                absent: item.absent,
            })
        })
        .buffered(state.config.limits.render_concurrency.max(1))
        .collect()
        .await;
    let mut ready = Vec::with_capacity(done.len());
    let mut refused = Vec::new();
    for d in done {
        match d {
            Ok(item) => ready.push(item),
            Err(f) => refused.push(f),
        }
    }
    (ready, refused)
}

fn failure(index: usize, slug: Option<String>, e: &AppError) -> BulkItemResult {
    BulkItemResult {
        index: position(index),
        status: BulkItemStatus::Failed,
        id: None,
        slug,
        problem: Some(e.to_problem()),
    }
}

/// An index as answered: below [`MAX_ITEMS`], so it always fits.
fn position(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

type Items = Vec<(usize, Result<PostInput, AppError>)>;

fn too_many(count: usize) -> AppError {
    AppError::PayloadTooLarge(format!("{count} posts in one request; at most {MAX_ITEMS}"))
}

/// One item's bytes into a valid input, or the problem a single create
/// would have answered.
fn parse_item(raw: &[u8], max_item_bytes: usize) -> Result<PostInput, AppError> {
    if raw.len() > max_item_bytes {
        return Err(AppError::PayloadTooLarge(format!(
            "the post is larger than {max_item_bytes} bytes"
        )));
    }
    let request: CreatePostRequest = json::from_slice(raw)?;
    PostInput::from_request(request)
}

/// A JSON array: a malformed document is a 400 for the whole request, a
/// bad item only that item's failure.
fn parse_array(body: &[u8], max_item_bytes: usize) -> Result<Items, AppError> {
    let malformed = |e: serde_json::Error| AppError::BadRequest(format!("malformed JSON: {e}"));
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'[') {
        serde_json::from_slice::<serde_json::Value>(body).map_err(malformed)?;
        return Err(AppError::invalid("body", "must be a JSON array of posts"));
    }
    let raw: Vec<&RawValue> = serde_json::from_slice(body).map_err(malformed)?;
    if raw.len() > MAX_ITEMS {
        return Err(too_many(raw.len()));
    }
    // An item that is not even an object is a body of the wrong shape.
    let not_objects: Vec<FieldError> = raw
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.get().starts_with('{'))
        .map(|(i, _)| FieldError::new(format!("[{i}]"), "must be a JSON object (a post)"))
        .collect();
    if !not_objects.is_empty() {
        return Err(AppError::Validation(not_objects));
    }
    Ok(raw
        .into_iter()
        .enumerate()
        .map(|(i, r)| (i, parse_item(r.get().as_bytes(), max_item_bytes)))
        .collect())
}

/// NDJSON: one post per line; blank lines are skipped and not counted.
fn parse_ndjson(body: &[u8], max_item_bytes: usize) -> Result<Items, AppError> {
    if std::str::from_utf8(body).is_err() {
        return Err(AppError::BadRequest(
            "the NDJSON body is not valid UTF-8".into(),
        ));
    }
    let lines: Vec<&[u8]> = body
        .split(|b| *b == b'\n')
        .filter(|l| l.iter().any(|b| !b.is_ascii_whitespace()))
        .collect();
    if lines.len() > MAX_ITEMS {
        return Err(too_many(lines.len()));
    }
    Ok(lines
        .into_iter()
        .enumerate()
        .map(|(i, line)| (i, parse_item(line, max_item_bytes)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statuses(items: &Items) -> Vec<Option<u16>> {
        items
            .iter()
            .map(|(_, r)| r.as_ref().err().map(|e| e.to_problem().status))
            .collect()
    }

    #[test]
    fn an_array_fails_item_by_item_and_a_bad_document_as_a_whole() {
        let items = parse_array(
            br#"[{"title": "A", "markdown": "a"}, {"title": ""}, {"title": "B", "markdown": "b", "nope": 1}]"#,
            1024,
        )
        .unwrap();
        assert_eq!(statuses(&items), vec![None, Some(422), Some(422)]);
        // An item that is not an object: the body has the wrong shape.
        assert!(matches!(
            parse_array(br#"[{"title": "A", "markdown": "a"}, 3]"#, 1024),
            Err(AppError::Validation(e)) if e[0].field == "[1]"
        ));
        assert!(matches!(
            parse_array(b"[{", 1024),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            parse_array(b"{}", 1024),
            Err(AppError::Validation(_))
        ));
        assert!(matches!(
            parse_array(b"nul", 1024),
            Err(AppError::BadRequest(_))
        ));
        let big = format!(r#"[{{"title": "A", "markdown": "{}"}}]"#, "x".repeat(2000));
        assert_eq!(
            statuses(&parse_array(big.as_bytes(), 1024).unwrap()),
            vec![Some(413)]
        );
    }

    #[test]
    fn ndjson_counts_lines_that_are_not_blank() {
        let items = parse_ndjson(
            b"{\"title\": \"A\", \"markdown\": \"a\"}\n\n  \r\n{oops\r\n{\"title\": \"B\", \"markdown\": \"b\"}\r\n",
            1024,
        )
        .unwrap();
        assert_eq!(statuses(&items), vec![None, Some(400), None]);
        assert!(matches!(
            parse_ndjson(b"\xff{}\n", 1024),
            Err(AppError::BadRequest(_))
        ));
    }

    #[test]
    fn more_than_the_most_items_is_refused_whole() {
        let array = format!("[{}]", vec!["{}"; MAX_ITEMS + 1].join(","));
        assert!(matches!(
            parse_array(array.as_bytes(), 1024),
            Err(AppError::PayloadTooLarge(_))
        ));
        let lines = "{}\n".repeat(MAX_ITEMS + 1);
        assert!(matches!(
            parse_ndjson(lines.as_bytes(), 1024),
            Err(AppError::PayloadTooLarge(_))
        ));
        assert_eq!(parse_array(b"[]", 1024).unwrap().len(), 0);
    }
}
