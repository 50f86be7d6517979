//! Images from the media library inside posts.
//!
//! A post refers to a media item by URL: `/media/{sha256}.{ext}` (the
//! original) or `/media/{sha256}/{width}w.{format}` (a variant), relative
//! or absolute under the public base URL. Before a body is rendered the
//! caller looks the referenced items up (one query, see
//! [`scan_refs`]) and hands the renderer a [`MediaIndex`]: rendering stays
//! a pure function of its arguments.
//!
//! An image whose URL names a known item is written with its intrinsic
//! `width` and `height` (no layout shift), a `srcset` of its planned
//! variants in the modern format, `sizes`, `decoding="async"` and
//! `loading="lazy"`. Variants are planned when the item is uploaded and a
//! variant that is not made yet redirects to the original, so the HTML is
//! the same whether or not the variant jobs have finished. An unknown
//! `/media/` URL stays a plain image.
//!
//! Alt text: the Markdown's own alt wins; an image written with an empty
//! alt (`![](…)`) takes the library's alt, as it was when the post was
//! rendered. Library edits show in a post at its next write or
//! `folio rerender --all`.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use url::Url;
use utoipa::ToSchema;
use uuid::Uuid;

/// The most media items one post may refer to: the lookup is one query
/// whatever the count, and a body with more references renders the rest as
/// plain images and records no usage for them.
pub const MAX_REFS_PER_POST: usize = 200;

/// The `sizes` attribute when none is configured: full width on small
/// screens, a 768-pixel column above.
pub const DEFAULT_SIZES: &str = "(max-width: 768px) 100vw, 768px";

/// The format every browser that reads `srcset` decodes; `srcset` lists
/// its variants (frontends that want a fallback build a `<picture>` from
/// the post JSON, which lists every variant).
pub const MODERN_FORMAT: &str = "webp";

/// One planned variant of a media item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MediaVariant {
    #[schema(example = 640)]
    pub width: i32,
    #[schema(example = 427)]
    pub height: i32,
    /// `webp`, or the fallback `jpeg` / `png`.
    #[schema(example = "webp")]
    pub format: String,
}

/// A media item as rendering sees it: what the `<img>` needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaImage {
    pub id: Uuid,
    pub sha256: String,
    pub ext: String,
    pub width: i32,
    pub height: i32,
    pub alt: Option<String>,
    pub placeholder: Option<String>,
    /// The name it was uploaded under.
    pub filename: Option<String>,
    pub variants: Vec<MediaVariant>,
}

impl MediaImage {
    /// The original's path, `/media/{sha256}.{ext}`.
    pub fn path(&self) -> String {
        format!("/media/{}.{}", self.sha256, self.ext)
    }

    /// A variant's path, `/media/{sha256}/{width}w.{format}`.
    pub fn variant_path(&self, v: &MediaVariant) -> String {
        format!("/media/{}/{}w.{}", self.sha256, v.width, v.format)
    }

    /// The variants `srcset` lists: the modern format's, else the others',
    /// narrowest first.
    fn srcset_variants(&self) -> Vec<&MediaVariant> {
        let mut modern: Vec<&MediaVariant> = self
            .variants
            .iter()
            .filter(|v| v.format == MODERN_FORMAT)
            .collect();
        if modern.is_empty() {
            modern = self.variants.iter().collect();
        }
        modern.sort_by_key(|v| v.width);
        modern.dedup_by_key(|v| v.width);
        modern
    }
}

/// A media item a post uses, as the post JSON shows it: enough for a
/// frontend to build its own `<picture>`. URLs are absolute under the
/// public base; every planned variant is listed, made or not (one not made
/// yet redirects to the original).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PostMedia {
    /// The media item's id in the library.
    pub id: Uuid,
    /// Lowercase hex SHA-256 of the original.
    #[schema(example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    pub sha256: String,
    /// The original.
    #[schema(
        example = "https://cms.example.com/media/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.jpg"
    )]
    pub url: String,
    #[schema(example = 1600)]
    pub width: i32,
    #[schema(example = 1067)]
    pub height: i32,
    /// The library's alt text when the post was rendered (the Markdown's
    /// own alt text, when it has one, is in the HTML).
    pub alt: Option<String>,
    /// A ThumbHash of the image (base64), for a blurred preview.
    pub placeholder: Option<String>,
    /// The name it was uploaded under (`folio export` writes it so).
    #[serde(default)]
    pub filename: Option<String>,
    /// The planned variants, narrowest first.
    pub variants: Vec<PostMediaVariant>,
}

/// One planned variant of a [`PostMedia`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PostMediaVariant {
    #[schema(example = 640)]
    pub width: i32,
    #[schema(example = 427)]
    pub height: i32,
    /// `webp`, or the fallback `jpeg` / `png`.
    #[schema(example = "webp")]
    pub format: String,
    #[schema(
        example = "https://cms.example.com/media/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08/640w.webp"
    )]
    pub url: String,
}

impl MediaImage {
    /// How the post JSON shows this item.
    pub fn to_post_media(&self, urls: &MediaUrls) -> PostMedia {
        let mut variants: Vec<&MediaVariant> = self.variants.iter().collect();
        variants.sort_by(|a, b| (a.width, &a.format).cmp(&(b.width, &b.format)));
        PostMedia {
            id: self.id,
            sha256: self.sha256.clone(),
            url: urls.absolute(&self.path()),
            width: self.width,
            height: self.height,
            alt: self.alt.clone(),
            placeholder: self.placeholder.clone(),
            filename: self.filename.clone(),
            variants: variants
                .into_iter()
                .map(|v| PostMediaVariant {
                    width: v.width,
                    height: v.height,
                    format: v.format.clone(),
                    url: urls.absolute(&self.variant_path(v)),
                })
                .collect(),
        }
    }
}

/// The media items a body may refer to, by SHA-256.
#[derive(Debug, Clone, Default)]
pub struct MediaIndex(HashMap<String, MediaImage>);

impl MediaIndex {
    pub fn new(items: impl IntoIterator<Item = MediaImage>) -> Self {
        Self(items.into_iter().map(|m| (m.sha256.clone(), m)).collect())
    }

    pub fn get(&self, sha256: &str) -> Option<&MediaImage> {
        self.0.get(sha256)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The items of these hashes only.
    pub fn subset(&self, shas: &[String]) -> Self {
        Self(
            shas.iter()
                .filter_map(|s| self.0.get(s).map(|m| (s.clone(), m.clone())))
                .collect(),
        )
    }

    /// Every item, in a stable order (by SHA-256).
    pub fn items(&self) -> Vec<MediaImage> {
        let mut all: Vec<MediaImage> = self.0.values().cloned().collect();
        all.sort_by(|a, b| a.sha256.cmp(&b.sha256));
        all
    }
}

/// Where media URLs point: the public base URL (`FOLIO_PUBLIC_URL`), so
/// the HTML works on a frontend served from another origin; none in unit
/// tests, where the paths stay relative.
#[derive(Debug, Clone, Default)]
pub struct MediaUrls {
    base: Option<String>,
}

impl MediaUrls {
    pub fn new(public_base: Option<&Url>) -> Self {
        Self {
            base: public_base.map(|u| u.as_str().trim_end_matches('/').to_owned()),
        }
    }

    /// The absolute URL of a path under the base.
    pub fn absolute(&self, path: &str) -> String {
        match &self.base {
            Some(base) => format!("{base}{path}"),
            None => path.to_owned(),
        }
    }

    /// The SHA-256 a media URL names (original or variant, relative or
    /// under the base); `None` for any other URL.
    pub fn sha256_of<'u>(&self, url: &'u str) -> Option<&'u str> {
        let url = url.trim();
        let path = match &self.base {
            Some(base) if url.starts_with(base.as_str()) => &url[base.len()..],
            _ => url,
        };
        let path = path.split(['?', '#']).next().unwrap_or(path);
        let rest = path.strip_prefix("/media/")?;
        let (sha, tail) = rest.split_at_checked(64)?;
        if !is_sha256(sha) {
            return None;
        }
        let well_formed = match tail.strip_prefix('.') {
            Some(ext) => is_word(ext),
            None => tail
                .strip_prefix('/')
                .and_then(|t| t.split_once("w."))
                .is_some_and(|(w, fmt)| {
                    !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()) && is_word(fmt)
                }),
        };
        well_formed.then_some(sha)
    }

    /// Whether `srcset` lists only media variant URLs under the base, each
    /// with a width descriptor: what the sanitiser lets through.
    pub fn is_media_srcset(&self, srcset: &str) -> bool {
        !srcset.trim().is_empty()
            && srcset.split(',').all(|candidate| {
                let mut parts = candidate.split_ascii_whitespace();
                let (Some(url), Some(descriptor), None) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    return false;
                };
                let width_ok = descriptor
                    .strip_suffix('w')
                    .is_some_and(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()));
                let absolute_ok = match &self.base {
                    Some(base) => url.starts_with(&format!("{base}/media/")),
                    None => url.starts_with("/media/"),
                };
                width_ok && absolute_ok && self.sha256_of(url).is_some()
            })
    }
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn is_word(s: &str) -> bool {
    (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The SHA-256s of the media a body and its feature image may refer to,
/// deduplicated, at most [`MAX_REFS_PER_POST`]: what to look up before
/// rendering. A linear scan of the text, so it may find a URL that is
/// not an image (a link, a code sample): such an item is looked up and
/// counted as used too, which only keeps it from being deleted while the
/// post mentions it.
pub fn scan_refs<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for text in texts {
        let mut rest = text;
        while let Some(at) = rest.find("/media/") {
            let after = &rest[at + "/media/".len()..];
            if let Some(sha) = after.get(..64).filter(|s| is_sha256(s))
                && !found.iter().any(|f| f == sha)
            {
                if found.len() == MAX_REFS_PER_POST {
                    return found;
                }
                found.push(sha.to_owned());
            }
            rest = after;
        }
    }
    found
}

/// Escapes text for an attribute value in double quotes.
fn attr(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// The `<img>` for a media item: `src` is the original, `srcset` its
/// planned variants. `alt` is the Markdown's; empty, the library's fills
/// it.
pub fn img_html(
    item: &MediaImage,
    urls: &MediaUrls,
    alt: &str,
    title: &str,
    sizes: &str,
) -> String {
    let mut out = String::from("<img src=\"");
    attr(&mut out, &urls.absolute(&item.path()));
    out.push('"');
    let variants = item.srcset_variants();
    if !variants.is_empty() {
        out.push_str(" srcset=\"");
        for (i, v) in variants.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            attr(&mut out, &urls.absolute(&item.variant_path(v)));
            let _ = write!(out, " {}w", v.width);
        }
        out.push_str("\" sizes=\"");
        attr(&mut out, sizes);
        out.push('"');
    }
    let _ = write!(
        out,
        " width=\"{}\" height=\"{}\" alt=\"",
        item.width, item.height
    );
    let alt = if alt.trim().is_empty() {
        item.alt.as_deref().unwrap_or("")
    } else {
        alt
    };
    attr(&mut out, alt);
    out.push('"');
    if !title.is_empty() {
        out.push_str(" title=\"");
        attr(&mut out, title);
        out.push('"');
    }
    out.push_str(" decoding=\"async\" loading=\"lazy\">");
    out
}

/// Whether a `sizes` value is plain media conditions and lengths: no
/// quotes, URLs or markup.
pub fn is_plain_sizes(sizes: &str) -> bool {
    !sizes.trim().is_empty()
        && sizes.len() <= 500
        && sizes
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b" ().,:-%".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12";

    fn item() -> MediaImage {
        MediaImage {
            id: Uuid::nil(),
            sha256: SHA.into(),
            ext: "png".into(),
            width: 1600,
            height: 900,
            alt: Some("Library alt".into()),
            placeholder: None,
            filename: None,
            variants: [(640, "webp"), (640, "png"), (1280, "webp"), (1280, "png")]
                .into_iter()
                .map(|(w, f)| MediaVariant {
                    width: w,
                    height: w * 9 / 16,
                    format: f.into(),
                })
                .collect(),
        }
    }

    #[test]
    fn recognises_media_urls_relative_and_under_the_base() {
        let base = Url::parse("https://cms.example.com/").unwrap();
        let urls = MediaUrls::new(Some(&base));
        for url in [
            format!("/media/{SHA}.png"),
            format!("https://cms.example.com/media/{SHA}.jpg"),
            format!("/media/{SHA}/640w.webp"),
            format!("/media/{SHA}.png?v=1"),
        ] {
            assert_eq!(urls.sha256_of(&url), Some(SHA), "{url}");
        }
        for url in [
            format!("https://other.example.com/media/{SHA}.png"),
            format!("/media/{}.png", &SHA[..63]),
            format!("/media/{}.png", SHA.to_uppercase()),
            format!("/media/{SHA}/640.webp"),
            format!("/media/{SHA}"),
            "/media/x.png".to_owned(),
            "../docker.png".to_owned(),
        ] {
            assert_eq!(urls.sha256_of(&url), None, "{url}");
        }
    }

    #[test]
    fn scanning_dedupes_and_caps() {
        let body = format!("![a](/media/{SHA}.png) ![b](/media/{SHA}/640w.webp) /media/nothex");
        assert_eq!(scan_refs([body.as_str()]), vec![SHA.to_owned()]);
        let many: String = (0..1000)
            .map(|i| format!("![x](/media/{i:064x}.png)\n"))
            .collect();
        assert_eq!(scan_refs([many.as_str()]).len(), MAX_REFS_PER_POST);
    }

    #[test]
    fn the_img_carries_dimensions_srcset_and_sizes() {
        let base = Url::parse("https://cms.example.com").unwrap();
        let urls = MediaUrls::new(Some(&base));
        let html = img_html(&item(), &urls, "", "", DEFAULT_SIZES);
        assert_eq!(
            html,
            format!(
                "<img src=\"https://cms.example.com/media/{SHA}.png\" srcset=\"https://cms.example.com/media/{SHA}/640w.webp 640w, https://cms.example.com/media/{SHA}/1280w.webp 1280w\" sizes=\"(max-width: 768px) 100vw, 768px\" width=\"1600\" height=\"900\" alt=\"Library alt\" decoding=\"async\" loading=\"lazy\">"
            )
        );
        let mine = img_html(&item(), &urls, "Mine \"quoted\"", "T", DEFAULT_SIZES);
        assert!(mine.contains("alt=\"Mine &quot;quoted&quot;\""), "{mine}");
        assert!(mine.contains("title=\"T\""), "{mine}");
        assert!(urls.is_media_srcset(&format!(
            "https://cms.example.com/media/{SHA}/640w.webp 640w, https://cms.example.com/media/{SHA}/1280w.webp 1280w"
        )));
    }

    #[test]
    fn only_media_srcsets_and_plain_sizes_pass() {
        let urls = MediaUrls::new(Some(&Url::parse("https://cms.example.com").unwrap()));
        for bad in [
            "https://evil.example.com/x.png 640w".to_owned(),
            format!("/media/{SHA}/640w.webp 640w"),
            format!("https://cms.example.com/media/{SHA}/640w.webp"),
            format!("https://cms.example.com/media/{SHA}/640w.webp 2x"),
            "javascript:alert(1) 1w".to_owned(),
            String::new(),
        ] {
            assert!(!urls.is_media_srcset(&bad), "{bad}");
        }
        assert!(is_plain_sizes(DEFAULT_SIZES));
        assert!(!is_plain_sizes("url(x)\"><script>"));
        assert!(!is_plain_sizes(""));
    }
}
