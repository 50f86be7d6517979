//! The one sanitiser policy for all HTML Folio serves.
//!
//! pulldown-cmark passes raw HTML and any URL scheme straight through, so
//! every rendered document goes through ammonia. The policy is ammonia's
//! default allow-list, narrowed to `http`, `https` and `mailto` URLs, and
//! widened by exactly what pulldown-cmark legitimately emits: heading and
//! footnote `id`s, footnote classes, `language-*` classes on code, and
//! `text-align` on table cells; task-list checkboxes are put in after it. Every image gets
//! `loading="lazy"`; with a media base URL, relative URLs become absolute.
//! Images from the media library keep `srcset`, `sizes` and
//! `decoding="async"` (see [`super::media`]): a `srcset` passes only when
//! every URL in it is a media variant under the public base, and `sizes`
//! only when it is plain media conditions and lengths.
//!
//! Every `id` that comes from content (headings, footnotes, raw HTML) is
//! namespaced with [`ID_PREFIX`], as GitHub does, and every in-page link
//! (`#fragment`) is rewritten to match. An author therefore cannot name an
//! element after one the frontend's page relies on (`__NEXT_DATA__`,
//! `__proto__`, a form's field): that is DOM clobbering.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative, UrlRelativeEvaluate};
use url::Url;

use super::media::{self, MediaUrls};

/// Task-list checkboxes travel through the sanitiser as these two
/// characters (from Unicode's private use area) and become the exact
/// markup of a disabled checkbox after it. No `<input>` an author writes
/// survives at all: allowed through, `<input type="image" src=…>` lost its
/// type and showed as a text box inside the post. An author who types the
/// characters gets a disabled checkbox, as `- [ ]` would give them.
pub const TASK_DONE: &str = "\u{E000}";
pub const TASK_OPEN: &str = "\u{E001}";

/// What every `id` from content starts with, and every in-page link too.
pub const ID_PREFIX: &str = "user-content-";

/// An id as it appears in sanitised HTML: namespaced once (an id an author
/// already wrote with the prefix keeps it as it is, as ammonia does).
pub fn namespaced_id(id: &str) -> Cow<'_, str> {
    if id.starts_with(ID_PREFIX) {
        Cow::Borrowed(id)
    } else {
        Cow::Owned(format!("{ID_PREFIX}{id}"))
    }
}

/// HTML that has been through the sanitiser. The only constructors are
/// [`sanitize`] and [`Policy::clean`], so holding one is proof it is safe to embed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeHtml(String);

impl SafeHtml {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The sanitiser, set up once for one media base URL (or none).
pub struct Policy(Builder<'static>);

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Policy")
    }
}

impl Policy {
    /// The policy; relative URLs are resolved against `media_base` when
    /// there is one, the way a browser would resolve them in a page there.
    pub fn new(media_base: Option<Url>) -> Self {
        Self::with_media(media_base, MediaUrls::default())
    }

    /// The policy, letting through `srcset`s of media items under `urls`.
    pub fn with_media(media_base: Option<Url>, urls: MediaUrls) -> Self {
        let mut b = builder(urls);
        b.url_relative(UrlRelative::Custom(Box::new(Relative(media_base))));
        Self(b)
    }

    /// Sanitises untrusted HTML under this policy, then puts in the
    /// task-list checkboxes (see [`TASK_DONE`]).
    pub fn clean(&self, html: &str) -> SafeHtml {
        // Serialised straight into one buffer of about the input's size:
        // `to_string()` (Display) builds a growing buffer of its own, then
        // copies it into the string. Neither `expect` can fail: a Vec takes
        // every write, and html5ever writes only `str`s (ammonia's Display
        // makes the same two assumptions).
        let mut bytes = Vec::with_capacity(html.len() + html.len() / 8);
        self.0
            .clean(html)
            .write_to(&mut bytes)
            .expect("writing to a Vec does not fail");
        let clean = String::from_utf8(bytes).expect("html5ever writes UTF-8");
        if !clean.contains(TASK_DONE) && !clean.contains(TASK_OPEN) {
            return SafeHtml(clean);
        }
        SafeHtml(
            clean
                .replace(
                    TASK_DONE,
                    r#"<input type="checkbox" checked="" disabled="">"#,
                )
                .replace(TASK_OPEN, r#"<input type="checkbox" disabled="">"#),
        )
    }
}

/// What becomes of relative URLs: in-page links follow the namespaced ids,
/// and the rest resolve against the media base when there is one.
struct Relative(Option<Url>);

impl UrlRelativeEvaluate<'static> for Relative {
    fn evaluate<'u>(&self, url: &'u str) -> Option<Cow<'u, str>> {
        let trimmed = url.trim_start_matches(|c: char| c <= ' ');
        if let Some(fragment) = trimmed.strip_prefix('#') {
            // `#` alone (the top of the page) names no element.
            if fragment.is_empty() {
                return Some(Cow::Borrowed(url));
            }
            return Some(Cow::Owned(format!("#{}", namespaced_id(fragment))));
        }
        match &self.0 {
            Some(base) => resolve(base, trimmed),
            None => Some(Cow::Borrowed(url)),
        }
    }
}

/// Resolves a relative URL (not an in-page link) against the media base.
fn resolve<'u>(base: &Url, trimmed: &'u str) -> Option<Cow<'u, str>> {
    if trimmed.is_empty() {
        return Some(Cow::Borrowed(trimmed));
    }
    match base.join(trimmed) {
        // The base is http(s) (checked in the configuration), so the result is too.
        Ok(absolute) if matches!(absolute.scheme(), "http" | "https") => {
            Some(Cow::Owned(absolute.into()))
        }
        _ => None,
    }
}

static DEFAULT: LazyLock<Policy> = LazyLock::new(|| Policy::new(None));

fn builder(urls: MediaUrls) -> Builder<'static> {
    let mut b = Builder::default();
    b.url_schemes(HashSet::from(["http", "https", "mailto"]))
        .add_generic_attributes(["id"])
        .id_prefix(Some(ID_PREFIX))
        .add_tag_attributes("th", ["style"])
        .add_tag_attributes("td", ["style"])
        .filter_style_properties(HashSet::from(["text-align"]))
        .add_tag_attributes("code", ["class"])
        .add_tag_attributes("div", ["class"])
        .add_tag_attributes("sup", ["class"])
        .add_tag_attributes("img", ["srcset", "sizes", "decoding"])
        // Frontends get lazy images without post-processing; an author's
        // own `loading="eager"` is overridden too.
        .set_tag_attribute_value("img", "loading", "lazy")
        .attribute_filter(move |element, attribute, value| {
            filter_attribute(&urls, element, attribute, value)
        });
    b
}

fn filter_attribute<'a>(
    urls: &MediaUrls,
    element: &str,
    attribute: &str,
    value: &'a str,
) -> Option<Cow<'a, str>> {
    match (element, attribute) {
        ("img", "srcset") => urls.is_media_srcset(value).then_some(Cow::Borrowed(value)),
        ("img", "sizes") => media::is_plain_sizes(value).then_some(Cow::Borrowed(value)),
        ("img", "decoding") => (value == "async").then_some(Cow::Borrowed(value)),
        ("img", "width" | "height") => {
            (!value.is_empty() && value.len() <= 6 && value.bytes().all(|b| b.is_ascii_digit()))
                .then_some(Cow::Borrowed(value))
        }
        (_, "class") => {
            let allowed = |class: &&str| match element {
                "code" => class.strip_prefix("language-").is_some_and(|lang| {
                    !lang.is_empty()
                        && lang
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"+#-_.".contains(&b))
                }),
                "div" => *class == "footnote-definition",
                "sup" => matches!(*class, "footnote-reference" | "footnote-definition-label"),
                _ => false,
            };
            let kept: Vec<&str> = value.split_ascii_whitespace().filter(allowed).collect();
            (!kept.is_empty()).then(|| Cow::Owned(kept.join(" ")))
        }
        _ => Some(Cow::Borrowed(value)),
    }
}

/// Sanitises untrusted HTML under the policy above, leaving relative URLs
/// relative.
pub fn sanitize(html: &str) -> SafeHtml {
    DEFAULT.clean(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_markdown_produces() {
        let html = format!(
            r##"<h2 id="intro">Intro</h2><table><thead><tr><th style="text-align: center">A</th></tr></thead></table><ul><li>{TASK_DONE} done</li></ul><pre><code class="language-rust">fn main() {{}}</code></pre><sup class="footnote-reference"><a href="#1">1</a></sup><div class="footnote-definition" id="1"><sup class="footnote-definition-label">1</sup></div>"##
        );
        let clean = sanitize(&html).into_inner();
        for kept in [
            r#"id="user-content-intro""#,
            "text-align:center",
            r#"<input type="checkbox" checked="" disabled="">"#,
            r#"class="language-rust""#,
            r#"class="footnote-reference""#,
            r##"href="#user-content-1""##,
            r#"class="footnote-definition""#,
            r#"class="footnote-definition-label""#,
        ] {
            assert!(clean.contains(kept), "{kept} missing from {clean}");
        }
    }

    #[test]
    fn strips_what_is_dangerous() {
        let clean = sanitize(
            r#"<input type="text" onfocus="x()"><td style="background:url(javascript:x)">a</td><code class="x language-a&quot;"></code><a href="data:text/html,x">d</a><p class="evil">p</p>"#,
        )
        .into_inner();
        assert!(!clean.contains("type=\"text\""), "{clean}");
        assert!(!clean.contains("onfocus"), "{clean}");
        assert!(!clean.contains("background"), "{clean}");
        assert!(!clean.contains("data:"), "{clean}");
        assert!(!clean.contains("evil"), "{clean}");
    }

    #[test]
    fn no_input_an_author_writes_survives() {
        for raw in [
            r#"<INPUT TYPE="IMAGE" SRC="javascript:alert(1)">"#,
            r#"<input type="text" value="x" name="password">"#,
            r#"<input>"#,
            r#"<input type="checkbox">"#,
            r#"<input type="hidden" name="csrf">"#,
        ] {
            let clean = sanitize(raw).into_inner();
            assert_eq!(clean, "", "{raw} -> {clean}");
        }
        assert_eq!(
            sanitize("<p>\u{E001} todo</p>").into_inner(),
            r#"<p><input type="checkbox" disabled=""> todo</p>"#
        );
    }

    #[test]
    fn ids_are_namespaced_so_content_cannot_clobber_the_page() {
        let clean = sanitize(
            r##"<div id="__NEXT_DATA__">x</div><h2 id="__proto__">p</h2><a href="#__NEXT_DATA__">l</a><p id="user-content-kept">k</p><a href="#">top</a>"##,
        )
        .into_inner();
        assert!(
            clean.contains(r#"id="user-content-__NEXT_DATA__""#),
            "{clean}"
        );
        assert!(clean.contains(r#"id="user-content-__proto__""#), "{clean}");
        assert!(
            clean.contains(r##"href="#user-content-__NEXT_DATA__""##),
            "{clean}"
        );
        assert!(clean.contains(r#"id="user-content-kept""#), "{clean}");
        assert!(clean.contains(r##"href="#""##), "{clean}");
        assert!(!clean.contains(r#"id="__"#), "{clean}");
    }
}

#[cfg(test)]
mod media_base_tests {
    use super::*;

    fn with_base(html: &str) -> String {
        let base = Url::parse("https://cdn.example.com/blog/posts/").unwrap();
        Policy::new(Some(base)).clean(html).into_inner()
    }

    #[test]
    fn relative_urls_resolve_against_the_media_base() {
        let out = with_base(
            r#"<img src="../images/x.png"><a href="other/">o</a><a href="/root">r</a><img src="//cdn2.example.com/y.png">"#,
        );
        assert!(
            out.contains(r#"src="https://cdn.example.com/blog/images/x.png""#),
            "{out}"
        );
        assert!(
            out.contains(r#"href="https://cdn.example.com/blog/posts/other/""#),
            "{out}"
        );
        assert!(
            out.contains(r#"href="https://cdn.example.com/root""#),
            "{out}"
        );
        assert!(
            out.contains(r#"src="https://cdn2.example.com/y.png""#),
            "{out}"
        );
    }

    #[test]
    fn fragment_links_follow_the_ids_and_absolute_urls_are_left_alone() {
        let out = with_base(
            r##"<a href="#intro">i</a><a href="#1">1</a><a href="https://example.org/a">a</a><a href="mailto:a@example.org">m</a>"##,
        );
        assert!(out.contains(r##"href="#user-content-intro""##), "{out}");
        assert!(out.contains(r##"href="#user-content-1""##), "{out}");
        assert!(out.contains(r#"href="https://example.org/a""#), "{out}");
        assert!(out.contains(r#"href="mailto:a@example.org""#), "{out}");
    }

    #[test]
    fn dangerous_schemes_are_still_dropped_with_a_base() {
        let out = with_base(
            r#"<a href="javascript:alert(1)">j</a><img src="data:image/png;base64,AAAA"><a href="java&#x09;script:x">t</a>"#,
        );
        assert!(!out.contains("javascript"), "{out}");
        assert!(!out.contains("data:"), "{out}");
        assert!(!out.contains("script:"), "{out}");
    }

    #[test]
    fn without_a_base_relative_urls_stay_relative() {
        let out = sanitize(r#"<img src="../images/x.png">"#).into_inner();
        assert!(out.contains(r#"src="../images/x.png""#), "{out}");
    }

    #[test]
    fn every_image_is_lazy_and_keeps_alt_and_title() {
        let out =
            sanitize(r#"<img src="a.png" alt="A" title="T"><img src="b.png" loading="eager">"#)
                .into_inner();
        assert_eq!(
            out,
            r#"<img src="a.png" alt="A" title="T" loading="lazy"><img src="b.png" loading="lazy">"#
        );
    }
}
