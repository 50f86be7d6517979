use std::fmt::Write;

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::SecondsFormat;

use super::xml::text;
use crate::db::post_list;
use crate::error::{AppError, Problem};
use crate::routes::posts::list_params::parse_number;
use crate::state::AppState;

/// A sitemap's one parameter.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SitemapQuery {
    /// One page of the sitemap, from 1, as the sitemap index names them
    /// (`FOLIO_SITEMAP_PAGE_SIZE` posts each, oldest first). Without it:
    /// every post when they fit in one page, else the index.
    #[param(minimum = 1, maximum = 100_000)]
    pub page: Option<u32>,
}

impl SitemapQuery {
    /// The most pages a sitemap index names (sitemaps.org allows 50,000).
    const MAX_PAGE: u32 = 100_000;

    fn parse(raw: &str) -> Result<Self, AppError> {
        let mut q = Self::default();
        for (name, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            match name.as_ref() {
                "page" if q.page.is_none() => {
                    q.page = Some(parse_number("page", &value, Self::MAX_PAGE)?);
                }
                "page" => {
                    return Err(AppError::BadRequest(
                        "query parameter `page` is given more than once".into(),
                    ));
                }
                other => {
                    return Err(AppError::BadRequest(format!(
                        "query parameter `{other}` is not known; the sitemap takes `page`"
                    )));
                }
            }
        }
        Ok(q)
    }
}

/// Sitemap of every published post (sitemaps.org 0.9).
///
/// Lists every published post with its `lastmod` while they fit in one
/// sitemap file (`FOLIO_SITEMAP_PAGE_SIZE`, 10,000 by default); with more,
/// answers a sitemap index naming `/sitemap.xml?page=1`, `?page=2`, …,
/// each a page of that many posts, oldest first, so no one answer lists
/// more than a page and a page keeps its posts as new ones are published.
#[utoipa::path(
    tag = "feeds",
    params(SitemapQuery),
    responses(
        (status = 200, description = "The sitemap (`urlset`), or with more posts than one page holds, the sitemap index (`sitemapindex`)", body = String, content_type = "application/xml"),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "A query parameter other than one `page` from 1", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such page: past the last one", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/sitemap.xml")]
pub async fn sitemap(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = SitemapQuery::parse(req.query_string())?;
    let per_page = state.config.site.sitemap_page_size;
    let page = i64::from(query.page.unwrap_or(1));
    let mut conn = state.conn().await?;
    // One more than a page: whether the posts fit in one file is known
    // without counting them all.
    let mut entries = post_list::sitemap(&mut conn, (page - 1) * per_page, per_page + 1).await?;
    if query.page.is_none() && entries.len() as i64 > per_page {
        let posts = post_list::sitemap_count(&mut conn).await?;
        drop(conn);
        return Ok(xml(index(&state, (posts + per_page - 1) / per_page)));
    }
    drop(conn);
    if entries.is_empty() && page > 1 {
        return Err(AppError::NotFound("sitemap page"));
    }
    entries.truncate(usize::try_from(per_page).unwrap_or(usize::MAX));
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
    Ok(xml(out))
}

/// The sitemap index: one entry per page.
fn index(state: &AppState, pages: i64) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for page in 1..=pages {
        let _ = writeln!(
            out,
            "<sitemap><loc>{}</loc></sitemap>",
            text(&super::self_url(
                &state.config,
                "/sitemap.xml",
                &format!("page={page}")
            )),
        );
    }
    out.push_str("</sitemapindex>\n");
    out
}

fn xml(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .body(body)
}
