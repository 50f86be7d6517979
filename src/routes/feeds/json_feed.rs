use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{FeedQuery, home_url, newest, self_url, title};
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// A JSON Feed 1.1 document (<https://jsonfeed.org/version/1.1>).
#[derive(Debug, Serialize, ToSchema)]
pub struct JsonFeed {
    /// Always `https://jsonfeed.org/version/1.1`.
    pub version: &'static str,
    pub title: String,
    pub home_page_url: String,
    pub feed_url: String,
    pub items: Vec<JsonFeedItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JsonFeedItem {
    /// The post's id.
    pub id: String,
    pub url: String,
    pub title: String,
    pub content_html: String,
    pub summary: String,
    pub date_published: Option<DateTime<Utc>>,
    pub date_modified: DateTime<Utc>,
    pub tags: Vec<String>,
    pub authors: Vec<JsonFeedAuthor>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JsonFeedAuthor {
    pub name: String,
}

/// JSON Feed 1.1 of the newest published posts.
///
/// `?tag=` and `?author=` (an author's id) narrow it.
#[utoipa::path(
    tag = "feeds",
    params(FeedQuery),
    responses(
        (status = 200, description = "The feed", body = JsonFeed, content_type = "application/feed+json"),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "A bad, unknown or repeated parameter", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/feed.json")]
pub async fn json_feed(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = FeedQuery::parse(req.query_string())?;
    let posts = newest(&state, &query).await?;
    let config = &state.config;
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: title(config, &query, &posts),
        home_page_url: home_url(config),
        feed_url: self_url(config, "/feed.json", req.query_string()),
        items: posts
            .into_iter()
            .map(|p| JsonFeedItem {
                id: p.id.to_string(),
                url: config.post_url(p.id, p.slug.as_str()),
                title: p.title.into_inner(),
                content_html: p.html.unwrap_or_default(),
                summary: p.excerpt,
                date_published: p.published_at,
                date_modified: p.updated_at,
                tags: p.tags,
                authors: vec![JsonFeedAuthor {
                    name: p.author_name,
                }],
            })
            .collect(),
    };
    let body = serde_json::to_vec(&feed).map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/feed+json; charset=utf-8")
        .body(body))
}
