use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};

use super::cursor;
use super::dto::{ListMeta, Pagination, PostList, PostListItem, PostSummaryResponse, to_json};
use super::list_params::{self, ListParams, ListQuery};
use crate::auth::MaybeCaller;
use crate::db::post_list::{self, ListFilter, ListedPost, PageRequest, SearchPath, SearchPlan};
use crate::db::posts::PostSummary;
use crate::error::{AppError, Problem};
use crate::snippet::{Highlighter, Lexemes};
use crate::state::AppState;

/// About how long one listed post's JSON is, without bodies.
const ITEM_SIZE_HINT: usize = 800;

/// List posts: filter, search, sort and paginate.
///
/// Anonymous callers see published posts; signed-in authors also see their
/// own drafts, editors and admins everything. An API key sees published
/// posts, and drafts too with `preview:read`. Filters combine (AND). Pages
/// come by number (`page`, with `total` and `pages`) or by keyset `cursor`
/// (stable while posts are added). Items carry no bodies unless `formats`
/// asks. Unknown or repeated parameters are a 400. Authors are always
/// embedded as `{id, name}`, and each item's `tags` are the names the post
/// carries (the tag resources are at `/api/v1/tags`). A scheduled post
/// whose time has come is listed, as `published`, at once. A search page
/// holds at most 25 hits. Every item field, `featured` and the other SEO
/// fields included, can be named in `fields`; there is no filter on them
/// yet.
///
/// Responses carry a strong `ETag` (send it back in `If-None-Match` for a
/// 304) and `Cache-Control`: public for anonymous callers, private for
/// signed-in ones.
#[utoipa::path(
    tag = "posts",
    params(ListQuery),
    responses(
        (status = 200, description = "One page of posts", body = PostList,
            headers(("ETag" = String, description = "Strong validator of this exact body"),
                    ("Cache-Control" = String, description = "public, max-age, stale-while-revalidate for anonymous reads; private, no-store otherwise"))),
        (status = 304, description = "Not modified (the `If-None-Match` ETag still matches)"),
        (status = 400, description = "A bad, unknown or repeated parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "An invalid credential was sent, or `status` without one", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/posts")]
pub async fn list_posts(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let params = list_params::parse(req.query_string())?;
    if params.status.is_some() && caller.0.is_none() {
        return Err(AppError::Unauthorized(
            "sign in to filter by `status`".into(),
        ));
    }
    let after = match &params.cursor {
        Some(raw) => Some(
            cursor::decode(raw, params.sort)
                .map_err(|m| AppError::BadRequest(format!("query parameter `cursor` {m}")))?,
        ),
        None => None,
    };
    let filter = ListFilter {
        status: params.status,
        tag: params.tag.clone(),
        author: params.author,
        published_after: params.published_after,
        published_before: params.published_before,
        metadata: params.metadata.clone(),
        search: params.q.clone(),
        ..ListFilter::new(caller.visibility())
    };
    let limit = i64::from(params.limit);
    let page_number = params.page.unwrap_or(1);
    let keyset = after.is_some();
    let offset = if keyset {
        0
    } else {
        i64::from(page_number - 1) * limit
    };

    let request = |sort, path| PageRequest {
        sort,
        after: after.clone(),
        offset,
        // One more than asked tells whether there is a next page.
        limit: limit + 1,
        with_markdown: params.formats.markdown,
        with_plain_text: params.formats.plaintext,
        with_html: params.formats.html,
        search_path: path,
    };

    let mut conn = state.conn().await?;
    // A search first learns how many posts match (counted up to a cap, or
    // estimated as more), which decides how its page is read. A page by
    // number counts, and reads the page in the same statement when the
    // matches are few; a cursor page only estimates. That a search is
    // large (so estimated, or counted to the cap) is remembered for a
    // scheduler interval (`crate::search_estimates`): a repeated one goes
    // straight to its page. Only a search with no other filter is planned
    // from the statistics or remembered.
    let estimates = (!post_list::has_filters(&filter)).then_some(&*state.search_estimates);
    let remembered = filter
        .search
        .as_deref()
        .zip(estimates)
        .and_then(|(q, estimates)| estimates.get(q, filter.visibility));
    let (searched, first) = match (&filter.search, remembered) {
        (Some(_), Some(found)) => (Some(found), None),
        (Some(q), None) => {
            let (found, rows) = if keyset {
                (
                    post_list::search_estimate(&mut conn, &filter, q).await?,
                    None,
                )
            } else {
                let collect = request(params.sort, SearchPath::Collect);
                let (found, rows) =
                    post_list::search_first(&mut conn, &filter, q, &collect).await?;
                (found, (!found.is_large()).then_some(rows))
            };
            if let Some(estimates) = estimates {
                estimates.remember(q, filter.visibility, found);
            }
            (Some(found), rows)
        }
        (None, _) => (None, None),
    };
    let total: Option<(i64, bool)> = match (&searched, keyset) {
        (_, true) => None,
        (Some(found), false) => Some(found.total()),
        (None, false) => Some((post_list::count(&mut conn, &filter).await?, true)),
    };
    let plan = searched.map_or(
        SearchPlan {
            sort: params.sort,
            path: SearchPath::Collect,
        },
        |found| post_list::plan_search(&found, params.sort, after.as_ref(), offset, limit + 1),
    );
    let mut rows = match first {
        Some(rows) => rows,
        // Past the end: skip the page query entirely.
        None if total.is_some_and(|(t, _)| offset >= t) => Vec::new(),
        None => post_list::page(&mut conn, &filter, &request(plan.sort, plan.path)).await?,
    };
    drop(conn);
    let wanted = params.limit as usize;
    let has_more = rows.len() > wanted;
    rows.truncate(wanted);
    let next_cursor = has_more
        .then(|| rows.last())
        .flatten()
        .map(|last| cursor::encode(params.sort, &last.key(plan.sort.key)));

    let link = |replace: (&str, String)| Some(page_link(&state, &req, replace));
    let pagination = match total {
        Some((total, exact)) => {
            let total = u64::try_from(total).unwrap_or(0);
            let pages = total.div_ceil(u64::from(params.limit));
            let page = u64::from(page_number);
            Pagination {
                page: Some(page_number),
                limit: params.limit,
                pages: Some(pages),
                total: Some(total),
                total_exact: Some(exact),
                next: if page < pages {
                    link(("page", (page + 1).to_string()))
                } else {
                    None
                },
                prev: if page > 1 {
                    link(("page", (page - 1).min(pages.max(1)).to_string()))
                } else {
                    None
                },
                next_cursor,
            }
        }
        None => Pagination {
            page: None,
            limit: params.limit,
            pages: None,
            total: None,
            total_exact: None,
            next: next_cursor.clone().and_then(|c| link(("cursor", c))),
            prev: None,
            next_cursor,
        },
    };

    // Every hit carries the same query: its lexemes are read once.
    let lexemes = rows
        .first()
        .and_then(|row| row.search_query.as_deref())
        .map(Lexemes::from_tsquery)
        .unwrap_or_default();
    let marks = (&*state.highlighter, &lexemes);
    let size_hint = 1024 + rows.len() * ITEM_SIZE_HINT;
    let meta = ListMeta { pagination };
    let body = if params.fields.is_none() {
        // Straight to bytes: no `serde_json::Value` per item.
        let data = rows
            .into_iter()
            .map(|row| item(row, &params, marks))
            .collect();
        to_json(&PostList { data, meta }, size_hint)?
    } else {
        let data = rows
            .into_iter()
            .map(|row| shape(item(row, &params, marks), params.fields.as_deref()))
            .collect::<Result<Vec<_>, _>>()?;
        to_json(
            &serde_json::json!({
                "data": data,
                "meta": meta,
            }),
            size_hint,
        )?
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::VARY, "Authorization"))
        .insert_header(header::ContentType::json())
        .body(body))
}

/// The absolute URL of this list with one parameter replaced (`page` or
/// `cursor`), every other parameter kept as sent.
fn page_link(state: &AppState, req: &HttpRequest, (name, value): (&str, String)) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        if k != "page" && k != "cursor" {
            query.append_pair(&k, &v);
        }
    }
    query.append_pair(name, &value);
    state
        .config
        .public_link(&format!("/api/v1/posts?{}", query.finish()))
}

fn item(
    row: ListedPost,
    params: &ListParams,
    (highlighter, lexemes): (&Highlighter, &Lexemes),
) -> PostListItem {
    let plaintext = row.plain_text.filter(|_| params.formats.plaintext);
    let snippet = row.snippet_source.map(|body| {
        let text = format!("{}\n{}\n{body}", row.title.as_str(), row.excerpt);
        highlighter.snippet(&text, lexemes)
    });
    let summary = PostSummary {
        id: row.id,
        slug: row.slug,
        title: row.title,
        excerpt: row.excerpt,
        status: row.status,
        published_at: row.published_at,
        tags: row.tags,
        metadata: row.metadata,
        author_id: row.author_id,
        created_at: row.created_at,
        updated_at: row.updated_at,
        word_count: row.word_count,
        reading_time: row.reading_time,
        seo: row.seo,
    };
    PostListItem {
        post: PostSummaryResponse::new(summary, row.author_name),
        markdown: row.markdown.filter(|_| params.formats.markdown),
        html: row.html.filter(|_| params.formats.html),
        plaintext,
        snippet,
        rank: row.rank,
    }
}

/// Keeps only the requested fields (and `id`).
fn shape(item: PostListItem, fields: Option<&[String]>) -> Result<serde_json::Value, AppError> {
    let mut value = serde_json::to_value(item).map_err(|e| AppError::Internal(e.into()))?;
    if let (Some(fields), Some(object)) = (fields, value.as_object_mut()) {
        object.retain(|k, _| k == "id" || fields.iter().any(|f| f == k));
    }
    Ok(value)
}
