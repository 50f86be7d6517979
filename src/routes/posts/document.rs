//! A post as a complete HTML5 page, for consumers that want a page rather
//! than a fragment: `<title>`, description, canonical link, Open Graph and
//! Twitter card tags. Every value is escaped; the body is the stored,
//! sanitised fragment.

use std::fmt::Write;

use serde_json::Value;
use url::Url;

use crate::db::posts::Post;

/// Escapes text for an HTML attribute value or element content.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The post's own canonical URL: its `canonical_url` field, else
/// `canonical_url` or Hugo's `canonicalURL` in its metadata (posts stored
/// before the field existed), when it is an absolute http(s) URL.
pub fn canonical_override(post: &Post) -> Option<String> {
    post.seo
        .canonical_url
        .as_deref()
        .or_else(|| {
            ["canonical_url", "canonicalURL"]
                .iter()
                .find_map(|k| post.metadata.get(k).and_then(Value::as_str))
        })
        .and_then(|raw| Url::parse(raw).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(String::from)
}

/// The share image: the `og_image` field, else the `feature_image`, else
/// metadata `image`, `cover`, or `cover.image` (Hugo themes), resolved
/// against the media base; http(s) only.
pub fn share_image(post: &Post, media_base: Option<&Url>) -> Option<String> {
    let m = &post.metadata;
    let raw = post
        .seo
        .og_image
        .as_deref()
        .or(post.seo.feature_image.as_deref())
        .or_else(|| m.get("image").and_then(Value::as_str))
        .or_else(|| m.get("cover").and_then(Value::as_str))
        .or_else(|| {
            m.get("cover")
                .and_then(|c| c.get("image"))
                .and_then(Value::as_str)
        })?;
    let url = match Url::parse(raw) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => media_base?.join(raw).ok()?,
        Err(_) => return None,
    };
    matches!(url.scheme(), "http" | "https").then(|| url.into())
}

/// A valid BCP 47-looking language tag from metadata `lang`, if any.
fn language(post: &Post) -> Option<&str> {
    post.metadata
        .get("lang")
        .and_then(Value::as_str)
        .filter(|l| {
            (1..=35).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Writes the page.
pub fn render(post: &Post, author: &str, canonical: &str, image: Option<&str>) -> String {
    let title = escape(post.title.as_str());
    // What search engines are shown, when the author set it apart.
    let page_title = escape(
        post.seo
            .meta_title
            .as_deref()
            .unwrap_or(post.title.as_str()),
    );
    let description = escape(
        post.seo
            .meta_description
            .as_deref()
            .unwrap_or(&post.excerpt),
    );
    let canonical = escape(canonical);
    let mut head = String::new();
    let mut meta = |attr: &str, key: &str, value: &str| {
        let _ = writeln!(head, "<meta {attr}=\"{key}\" content=\"{value}\">");
    };
    meta("name", "description", &description);
    meta("name", "author", &escape(author));
    meta("property", "og:type", "article");
    meta("property", "og:title", &title);
    meta("property", "og:description", &description);
    meta("property", "og:url", &canonical);
    if let Some(image) = image {
        meta("property", "og:image", &escape(image));
    }
    if let Some(at) = post.published_at {
        meta("property", "article:published_time", &at.to_rfc3339());
    }
    meta(
        "property",
        "article:modified_time",
        &post.updated_at.to_rfc3339(),
    );
    for tag in &post.tags {
        meta("property", "article:tag", &escape(tag));
    }
    let card = if image.is_some() {
        "summary_large_image"
    } else {
        "summary"
    };
    meta("name", "twitter:card", card);
    meta("name", "twitter:title", &title);
    meta("name", "twitter:description", &description);
    if let Some(image) = image {
        meta("name", "twitter:image", &escape(image));
    }
    let lang = language(post).map_or(String::new(), |l| format!(" lang=\"{l}\""));
    // Most posts open with their own `# Title`; only add one when not.
    let heading = if post.html.trim_start().starts_with("<h1") {
        String::new()
    } else {
        format!("<h1>{title}</h1>\n")
    };
    format!(
        "<!DOCTYPE html>\n<html{lang}>\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{page_title}</title>\n<link rel=\"canonical\" href=\"{canonical}\">\n{head}</head>\n\
         <body>\n<article>\n{heading}{html}</article>\n</body>\n</html>\n",
        html = post.html,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_every_character_that_can_break_out() {
        assert_eq!(
            escape(r#"<a href="x" onclick='y'>&"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;"
        );
    }
}
