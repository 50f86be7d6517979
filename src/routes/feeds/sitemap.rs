use std::fmt::Write;

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::SecondsFormat;

use super::xml::text;
use crate::db::post_list;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// The most URLs one sitemap file may list (sitemaps.org).
pub const MAX_URLS: i64 = 50_000;

/// Sitemap of every published post (sitemaps.org 0.9).
///
/// Lists the newest 50,000 published posts with their `lastmod`; takes
/// no parameters.
#[utoipa::path(
    tag = "feeds",
    responses(
        (status = 200, description = "The sitemap", body = String, content_type = "application/xml"),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "A query parameter was sent", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/sitemap.xml")]
pub async fn sitemap(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    if !req.query_string().is_empty() {
        return Err(AppError::BadRequest(
            "the sitemap takes no query parameters".into(),
        ));
    }
    let mut conn = state.conn().await?;
    let entries = post_list::sitemap(&mut conn, MAX_URLS).await?;
    drop(conn);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (id, slug, updated_at) in entries {
        let _ = writeln!(
            out,
            "<url><loc>{}</loc><lastmod>{}</lastmod></url>",
            text(&state.config.post_url(id, &slug)),
            updated_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        );
    }
    out.push_str("</urlset>\n");
    Ok(HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .body(out))
}
