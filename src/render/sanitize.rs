//! The one sanitiser policy for all HTML Folio serves.
//!
//! pulldown-cmark passes raw HTML and any URL scheme straight through, so
//! every rendered document goes through ammonia. The policy is ammonia's
//! default allow-list, narrowed to `http`, `https` and `mailto` URLs, and
//! widened by exactly what pulldown-cmark legitimately emits: heading and
//! footnote `id`s, footnote classes, `language-*` classes on code, task-list
//! checkboxes, and `text-align` on table cells.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use ammonia::Builder;

/// HTML that has been through the sanitiser. The only constructor is
/// [`sanitize`], so holding one is proof it is safe to embed.
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

static POLICY: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::default();
    b.url_schemes(HashSet::from(["http", "https", "mailto"]))
        .add_generic_attributes(["id"])
        .add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("th", ["style"])
        .add_tag_attributes("td", ["style"])
        .filter_style_properties(HashSet::from(["text-align"]))
        .add_tag_attributes("code", ["class"])
        .add_tag_attributes("div", ["class"])
        .add_tag_attributes("sup", ["class"])
        .attribute_filter(filter_attribute);
    b
});

fn filter_attribute<'a>(element: &str, attribute: &str, value: &'a str) -> Option<Cow<'a, str>> {
    match (element, attribute) {
        // Task-list items are the only reason <input> is allowed at all.
        ("input", "type") => (value == "checkbox").then_some(Cow::Borrowed(value)),
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

/// Sanitises untrusted HTML under the policy above.
pub fn sanitize(html: &str) -> SafeHtml {
    SafeHtml(POLICY.clean(html).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_markdown_produces() {
        let html = r##"<h2 id="intro">Intro</h2><table><thead><tr><th style="text-align: center">A</th></tr></thead></table><ul><li><input disabled="" type="checkbox" checked=""/> done</li></ul><pre><code class="language-rust">fn main() {}</code></pre><sup class="footnote-reference"><a href="#1">1</a></sup><div class="footnote-definition" id="1"><sup class="footnote-definition-label">1</sup></div>"##;
        let clean = sanitize(html).into_inner();
        for kept in [
            r#"id="intro""#,
            "text-align:center",
            r#"type="checkbox""#,
            "disabled",
            "checked",
            r#"class="language-rust""#,
            r#"class="footnote-reference""#,
            r##"href="#1""##,
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
}
