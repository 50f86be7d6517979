use std::fmt::Write;

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::SecondsFormat;

use super::{FeedQuery, home_url, newest, self_url, title, updated, xml::text};
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// Atom feed of the newest published posts.
///
/// `?tag=` and `?author=` (an author's id) narrow it. Entries carry the
/// excerpt as `summary` and the sanitised HTML as `content`.
#[utoipa::path(
    tag = "feeds",
    params(FeedQuery),
    responses(
        (status = 200, description = "The feed", body = String, content_type = "application/atom+xml"),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "A bad, unknown or repeated parameter", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/atom.xml")]
pub async fn atom_feed(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = FeedQuery::parse(req.query_string())?;
    let posts = newest(&state, &query).await?;
    let config = &state.config;
    let rfc3339 = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let me = self_url(config, "/atom.xml", req.query_string());
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    let _ = write!(
        out,
        "<id>{me}</id>\n<title>{}</title>\n<updated>{}</updated>\n\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{me}\"/>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<generator>Folio</generator>\n",
        text(&title(config, &query, &posts)),
        rfc3339(updated(&posts)),
        text(&home_url(config)),
        me = text(&me),
    );
    for post in &posts {
        let _ = write!(
            out,
            "<entry>\n<id>urn:uuid:{}</id>\n<title>{}</title>\n\
             <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n\
             <updated>{}</updated>\n<author><name>{}</name></author>\n",
            post.id,
            text(post.title.as_str()),
            text(&config.post_url(post.id, post.slug.as_str())),
            rfc3339(post.updated_at),
            text(&post.author_name),
        );
        if let Some(at) = post.published_at {
            let _ = writeln!(out, "<published>{}</published>", rfc3339(at));
        }
        for tag in &post.tags {
            let _ = writeln!(out, "<category term=\"{}\"/>", text(tag));
        }
        let _ = write!(
            out,
            "<summary>{}</summary>\n<content type=\"html\">{}</content>\n</entry>\n",
            text(&post.excerpt),
            text(post.html.as_deref().unwrap_or_default()),
        );
    }
    out.push_str("</feed>\n");
    Ok(HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .body(out))
}
