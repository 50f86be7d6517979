//! The content and how it is published: where posts live on the public
//! site, the site's name, where relative media URLs point, the search
//! language, the scheduler, revisions, and whether writes must say which
//! version they change.
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `FOLIO_POST_URL_PATTERN` | `/blog/{slug}` | Public URL of a post (`{slug}`, `{id}`): a path joined to `FOLIO_PUBLIC_URL`, or an http(s) URL |
//! | `FOLIO_SITE_TITLE` | `Folio` | The site's name, the title of its feeds |
//! | `FOLIO_MEDIA_BASE_URL` | unset | Folder (http or https) that relative image and link URLs in posts resolve against |
//! | `FOLIO_IMAGE_SIZES` | `(max-width: 768px) 100vw, 768px` | The `sizes` attribute of media library images in post HTML |
//! | `FOLIO_SEARCH_LANGUAGE` | `english` | PostgreSQL text-search configuration (`english`, `simple`…) |
//! | `FOLIO_SCHEDULER_INTERVAL_MS` | `5000` | How often each instance publishes due scheduled posts and re-reads the search statistics; also how long it remembers that a search is large (10–3600000) |
//! | `FOLIO_REVISIONS_KEEP` | `50` | Revisions kept per post, the oldest going first (1–100000) |
//! | `FOLIO_REQUIRE_IF_MATCH` | `false` | `true`: writes to a post without `If-Match` get a 428 |
//! | `FOLIO_SITEMAP_PAGE_SIZE` | `10000` | Posts per sitemap file; more published posts make `/sitemap.xml` an index of pages (1–50000) |

use std::time::Duration;

use url::Url;

use super::DefaultIs::{Value, Words};
use super::{ConfigError, Variable, Vars, err, variable};

pub const POST_URL_PATTERN: Variable = variable!("FOLIO_POST_URL_PATTERN", Value("/blog/{slug}"));
pub const SITE_TITLE: Variable = variable!("FOLIO_SITE_TITLE", Value("Folio"));
pub const MEDIA_BASE_URL: Variable = variable!("FOLIO_MEDIA_BASE_URL", Words("unset"));
pub const IMAGE_SIZES: Variable = variable!(
    "FOLIO_IMAGE_SIZES",
    Value(crate::render::media::DEFAULT_SIZES)
);
pub const SEARCH_LANGUAGE: Variable = variable!("FOLIO_SEARCH_LANGUAGE", Value("english"));
pub const SCHEDULER_INTERVAL_MS: Variable = variable!("FOLIO_SCHEDULER_INTERVAL_MS", Value("5000"));
pub const REVISIONS_KEEP: Variable = variable!("FOLIO_REVISIONS_KEEP", Value("50"));
pub const REQUIRE_IF_MATCH: Variable = variable!("FOLIO_REQUIRE_IF_MATCH", Value("false"));
pub const SITEMAP_PAGE_SIZE: Variable = variable!("FOLIO_SITEMAP_PAGE_SIZE", Value("10000"));

pub const VARIABLES: &[Variable] = &[
    POST_URL_PATTERN,
    SITE_TITLE,
    MEDIA_BASE_URL,
    IMAGE_SIZES,
    SEARCH_LANGUAGE,
    SCHEDULER_INTERVAL_MS,
    REVISIONS_KEEP,
    REQUIRE_IF_MATCH,
    SITEMAP_PAGE_SIZE,
];

#[derive(Debug, Clone)]
pub struct SiteConfig {
    /// Where a post lives on the public site: `{slug}` and `{id}` are
    /// replaced; relative patterns are joined to `public_url`.
    pub post_url_pattern: String,
    /// The site's name, for feeds.
    pub site_title: String,
    /// Relative image and link URLs in posts resolve against this folder.
    pub media_base_url: Option<Url>,
    /// The `sizes` attribute of media library images in post HTML.
    pub image_sizes: String,
    /// The PostgreSQL text-search configuration (`english`, `simple`…).
    pub search_language: String,
    /// How often each instance looks for scheduled posts to publish.
    pub scheduler_interval: Duration,
    /// How many revisions are kept per post (the oldest go first).
    pub revisions_keep: u32,
    /// Whether writes to a post (`PATCH`, `PUT`, `DELETE`, restoring a
    /// revision) must carry `If-Match` (428 otherwise).
    pub require_if_match: bool,
    /// Posts per sitemap file (sitemaps.org allows 50,000): with more
    /// published posts, `/sitemap.xml` is an index of pages.
    pub sitemap_page_size: i64,
}

impl SiteConfig {
    pub fn read(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        let media_base_url = vars
            .var(&MEDIA_BASE_URL)
            .map(|raw| parse_media_base(&raw).map_err(|m| err(MEDIA_BASE_URL.name, m)))
            .transpose()?;

        let post_url_pattern = vars.var_or_default(&POST_URL_PATTERN);
        if !(post_url_pattern.contains("{slug}") || post_url_pattern.contains("{id}")) {
            return Err(err(POST_URL_PATTERN.name, "must contain {slug} or {id}"));
        }
        if !post_url_pattern.starts_with('/') {
            let not_a_url = || {
                err(
                    POST_URL_PATTERN.name,
                    "must start with / or be an http(s) URL",
                )
            };
            let absolute =
                Url::parse(&post_url_pattern.replace("{slug}", "s").replace("{id}", "i"))
                    .map_err(|_| not_a_url())?;
            if !matches!(absolute.scheme(), "http" | "https") {
                return Err(not_a_url());
            }
        }

        let image_sizes = vars.var_or_default(&IMAGE_SIZES);
        if !crate::render::media::is_plain_sizes(&image_sizes) {
            return Err(err(
                IMAGE_SIZES.name,
                "expected media conditions and lengths such as `(max-width: 768px) 100vw, 768px`",
            ));
        }

        let search_language = vars.var_or_default(&SEARCH_LANGUAGE);
        if search_language.is_empty()
            || search_language.len() > 63
            || !search_language
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_')
        {
            return Err(err(
                SEARCH_LANGUAGE.name,
                "expected a PostgreSQL text-search configuration name such as `english` or `simple`",
            ));
        }

        Ok(Self {
            post_url_pattern,
            site_title: vars.var_or_default(&SITE_TITLE),
            media_base_url,
            image_sizes,
            search_language,
            scheduler_interval: vars.millis(&SCHEDULER_INTERVAL_MS, 10, 3_600_000)?,
            revisions_keep: vars.var_parsed(&REVISIONS_KEEP, 1, 100_000)?,
            require_if_match: vars.flag(&REQUIRE_IF_MATCH)?,
            sitemap_page_size: vars.var_parsed(&SITEMAP_PAGE_SIZE, 1, 50_000)?,
        })
    }
}

/// An http(s) URL naming a folder: a missing trailing slash is added, so
/// `https://cdn.example.com/posts` and `…/posts/` mean the same.
fn parse_media_base(raw: &str) -> Result<Url, String> {
    let mut url = Url::parse(raw.trim()).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("must be an http or https URL".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or a fragment".into());
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::super::test_config as config;

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("FOLIO_MEDIA_BASE_URL", "ftp://cdn.example.com/"),
            ("FOLIO_MEDIA_BASE_URL", "/images/"),
            ("FOLIO_MEDIA_BASE_URL", "https://cdn.example.com/?v=1"),
            ("FOLIO_POST_URL_PATTERN", "/blog/post"),
            ("FOLIO_POST_URL_PATTERN", "blog/{slug}"),
            ("FOLIO_SEARCH_LANGUAGE", "english; drop table"),
            ("FOLIO_REQUIRE_IF_MATCH", "yes"),
            ("FOLIO_SCHEDULER_INTERVAL_MS", "0"),
            ("FOLIO_REVISIONS_KEEP", "0"),
        ] {
            let e = config(&[(var, value)]).unwrap_err();
            assert_eq!(e.var, var, "{var}={value}");
        }
    }

    #[test]
    fn the_media_base_url_is_optional_and_always_names_a_folder() {
        assert!(config(&[]).unwrap().site.media_base_url.is_none());
        for raw in [
            "https://cdn.example.com/blog/posts",
            "https://cdn.example.com/blog/posts/",
        ] {
            let c = config(&[("FOLIO_MEDIA_BASE_URL", raw)]).unwrap();
            assert_eq!(
                c.site.media_base_url.unwrap().as_str(),
                "https://cdn.example.com/blog/posts/"
            );
        }
    }
}
