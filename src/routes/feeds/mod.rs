//! Feeds and the sitemap, outside `/api/v1` where feed readers and
//! crawlers look for them: RSS 2.0, Atom, JSON Feed 1.1 (each of the
//! newest published posts, optionally per tag or author) and a sitemap.
//! Links are absolute, built from `FOLIO_PUBLIC_URL` and
//! `FOLIO_POST_URL_PATTERN`. Caching (ETag, 304) comes from `http_cache`.

pub mod atom;
pub mod json_feed;
pub mod rss;
pub mod sitemap;
pub mod xml;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::config::Config;
use crate::db::post_list::{self, ListFilter, ListedPost, PageRequest, Sort};
use crate::domain::Visibility;
use crate::error::AppError;
use crate::state::AppState;

/// How many posts a feed carries.
pub const FEED_ITEMS: i64 = 20;

/// A feed's filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Only posts with this tag (its name, as posts carry it).
    #[param(schema_with = crate::domain::tags::tag_name_schema)]
    pub tag: Option<String>,
    /// Only posts by this author (the author's id).
    pub author: Option<Uuid>,
}

impl FeedQuery {
    /// Parses the raw query: unknown, repeated or malformed parameters are 400s.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let bad =
            |name: &str, m: &str| AppError::BadRequest(format!("query parameter `{name}` {m}"));
        let mut seen = HashSet::new();
        let mut q = Self::default();
        for (name, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            if !seen.insert(name.to_string()) {
                return Err(bad(&name, "is given more than once"));
            }
            match name.as_ref() {
                "tag" => q.tag = Some(crate::routes::posts::list_params::parse_tag(&value)?),
                "author" => {
                    q.author = Some(
                        Uuid::try_parse(&value)
                            .map_err(|_| bad("author", "must be an author's id (a UUID)"))?,
                    );
                }
                other => return Err(bad(other, "is not known; feeds take `tag` and `author`")),
            }
        }
        Ok(q)
    }
}

/// The newest published posts matching the query, with their HTML.
pub async fn newest(state: &AppState, query: &FeedQuery) -> Result<Vec<ListedPost>, AppError> {
    let filter = ListFilter {
        tag: query.tag.clone(),
        author: query.author,
        ..ListFilter::new(Visibility::Published)
    };
    let page = PageRequest {
        sort: Sort::NEWEST,
        after: None,
        offset: 0,
        limit: FEED_ITEMS,
        with_markdown: false,
        with_html: true,
        with_plain_text: false,
        search_path: post_list::SearchPath::Collect,
    };
    let mut conn = state.conn().await?;
    Ok(post_list::page(&mut conn, &filter, &page).await?)
}

/// The feed's own URL, with its query.
pub fn self_url(config: &Config, path: &str, query: &str) -> String {
    if query.is_empty() {
        config.public_link(path)
    } else {
        config.public_link(&format!("{path}?{query}"))
    }
}

/// The public site's home page: the origin of an absolute post URL
/// pattern, or `FOLIO_PUBLIC_URL`.
pub fn home_url(config: &Config) -> String {
    match url::Url::parse(&config.site.post_url_pattern) {
        Ok(u) => format!("{}/", u.origin().ascii_serialization()),
        Err(_) => config.public_link("/"),
    }
}

/// The feed's title, naming its filter.
pub fn title(config: &Config, query: &FeedQuery, posts: &[ListedPost]) -> String {
    match (&query.tag, query.author) {
        (Some(tag), _) => format!("{} — #{tag}", config.site.site_title),
        (None, Some(_)) => match posts.first() {
            Some(p) => format!("{} — {}", config.site.site_title, p.author_name),
            None => config.site.site_title.clone(),
        },
        (None, None) => config.site.site_title.clone(),
    }
}

/// When the feed last changed; the epoch when it is empty, so an empty
/// feed's bytes (and ETag) stay the same.
pub fn updated(posts: &[ListedPost]) -> DateTime<Utc> {
    posts
        .iter()
        .map(|p| p.updated_at)
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH)
}
