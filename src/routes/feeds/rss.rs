use std::fmt::Write;

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::{FeedQuery, home_url, newest, self_url, title, updated, xml::text};
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// RSS 2.0 feed of the newest published posts.
///
/// `?tag=` and `?author=` (an author's id) narrow it. Items carry the
/// excerpt as `description` and the sanitised HTML as `content:encoded`.
#[utoipa::path(
    tag = "feeds",
    params(FeedQuery),
    responses(
        (status = 200, description = "The feed", body = String, content_type = "application/rss+xml"),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "A bad, unknown or repeated parameter", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/rss.xml")]
pub async fn rss_feed(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = FeedQuery::parse(req.query_string())?;
    let posts = newest(&state, &query).await?;
    let config = &state.config;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n",
    );
    let feed_title = title(config, &query, &posts);
    let _ = write!(
        out,
        "<title>{}</title>\n<link>{}</link>\n<description>{}</description>\n\
         <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n\
         <lastBuildDate>{}</lastBuildDate>\n",
        text(&feed_title),
        text(&home_url(config)),
        text(&format!("The newest posts of {feed_title}")),
        text(&self_url(config, "/rss.xml", req.query_string())),
        updated(&posts).to_rfc2822(),
    );
    for post in &posts {
        let link = config.post_url(post.id, post.slug.as_str());
        let _ = write!(
            out,
            "<item>\n<title>{}</title>\n<link>{link}</link>\n\
             <guid isPermaLink=\"false\">urn:uuid:{}</guid>\n<dc:creator>{}</dc:creator>\n",
            text(post.title.as_str()),
            post.id,
            text(&post.author_name),
            link = text(&link),
        );
        if let Some(at) = post.published_at {
            let _ = writeln!(out, "<pubDate>{}</pubDate>", at.to_rfc2822());
        }
        for tag in &post.tags {
            let _ = writeln!(out, "<category>{}</category>", text(tag));
        }
        let _ = write!(
            out,
            "<description>{}</description>\n<content:encoded>{}</content:encoded>\n</item>\n",
            text(&post.excerpt),
            text(post.html.as_deref().unwrap_or_default()),
        );
    }
    out.push_str("</channel>\n</rss>\n");
    Ok(HttpResponse::Ok()
        .content_type("application/rss+xml; charset=utf-8")
        .body(out))
}
