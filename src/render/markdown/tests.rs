use super::{RenderOptions, Rendered, TocEntry};

fn render(md: &str) -> Rendered {
    super::render(md, &RenderOptions::default()).expect("renders")
}

fn html(md: &str) -> String {
    render(md).html.into_inner()
}

/// The safety invariants every rendered document must hold, checked on
/// the serialised output tag by tag (the serialiser always writes
/// attributes as `name="value"` with quotes inside escaped).
pub(crate) fn assert_safe(out: &str) {
    const SCRIPT_CAPABLE: &[&str] = &[
        "script",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "svg",
        "math",
        "style",
        "link",
        "meta",
        "base",
        "form",
        "button",
        "textarea",
        "select",
        "applet",
        "template",
        "noscript",
        "xmp",
        "plaintext",
        "audio",
        "video",
        "source",
    ];
    for (name, attributes) in tags(out) {
        assert!(
            !SCRIPT_CAPABLE.contains(&name.as_str()),
            "<{name}> survived in {out}"
        );
        for (attr, value) in attributes {
            assert!(
                !attr.starts_with("on"),
                "event handler {attr} survived in {out}"
            );
            if matches!(
                attr.as_str(),
                "href" | "src" | "action" | "formaction" | "xlink:href" | "background" | "poster"
            ) {
                assert!(url_is_safe(&value), "URL {value} survived in {out}");
            }
            assert!(
                !(attr == "style" && value.to_ascii_lowercase().contains("url(")),
                "{attr}={value} in {out}"
            );
        }
    }
}

/// The start tags of serialised HTML: lowercase names and attributes.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let bytes = html.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' || !bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
            i += 1;
            continue;
        }
        i += 1;
        let start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && bytes[i] != b'>'
            && bytes[i] != b'/'
        {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attributes = Vec::new();
        loop {
            while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                break;
            }
            let attr_start = i;
            while i < bytes.len() && !b"= \t\n>".contains(&bytes[i]) {
                i += 1;
            }
            let attr = html[attr_start..i].to_ascii_lowercase();
            let mut value = String::new();
            if bytes.get(i) == Some(&b'=') {
                i += 1;
                assert_eq!(bytes.get(i), Some(&b'"'), "unquoted attribute in {html}");
                i += 1;
                let value_start = i;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += 1;
                }
                value = html[value_start..i].to_owned();
                i += 1;
            }
            attributes.push((attr, value));
        }
        found.push((name, attributes));
    }
    found
}

/// Whether a serialised attribute URL, as a browser would read it, is
/// relative or uses http, https or mailto.
fn url_is_safe(serialised: &str) -> bool {
    let decoded = serialised
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    // Browsers drop tabs and newlines anywhere and leading controls/spaces.
    let url: String = decoded
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let url = url.trim_start_matches(|c: char| c <= ' ');
    match url.split_once(':') {
        Some((scheme, _))
            if scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            ["http", "https", "mailto"].contains(&scheme.to_ascii_lowercase().as_str())
        }
        _ => true,
    }
}

#[test]
fn renders_commonmark_and_github_extensions() {
    let out = html(
        "# Title\n\nSome *em* and **strong** and ~~gone~~.\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\nA note[^1].\n\n[^1]: The footnote.\n",
    );
    assert!(
        out.contains(r#"<h1 id="user-content-title">Title</h1>"#),
        "{out}"
    );
    assert!(
        out.contains("<em>em</em>") && out.contains("<strong>strong</strong>"),
        "{out}"
    );
    assert!(out.contains("<del>gone</del>"), "{out}");
    assert!(
        out.contains(r#"<th style="text-align:left">a</th>"#),
        "{out}"
    );
    assert!(
        out.contains(r#"<input type="checkbox" checked="" disabled="">"#),
        "{out}"
    );
    assert!(
        out.contains(r##"<sup class="footnote-reference"><a href="#user-content-1""##),
        "{out}"
    );
    assert!(
        out.contains(r#"<div class="footnote-definition" id="user-content-1">"#),
        "{out}"
    );
}

#[test]
fn smart_punctuation_and_heading_attributes() {
    let out = html("## Custom {#my-id}\n\n\"Quoted\" -- dash...\n");
    assert!(
        out.contains(r#"<h2 id="user-content-my-id">Custom</h2>"#),
        "{out}"
    );
    assert!(out.contains("“Quoted” – dash…"), "{out}");
}

#[test]
fn headings_get_unique_ids_and_explicit_ids_win() {
    let out = html("## Intro\n\n## Intro\n\n## `code` & more\n\n## Other {#intro-1}\n\n## !!!\n");
    assert!(out.contains(r#"<h2 id="user-content-intro">"#), "{out}");
    assert!(out.contains(r#"<h2 id="user-content-intro-2">"#), "{out}");
    assert!(
        out.contains(r#"<h2 id="user-content-intro-1">Other"#),
        "{out}"
    );
    assert!(out.contains(r#"<h2 id="user-content-code-more">"#), "{out}");
    assert!(out.contains(r#"<h2 id="user-content-section">"#), "{out}");
}

#[test]
fn real_post_content_survives() {
    let md = r#"![A cat](../images/cat.png "The cat")

[![Logo](/logo.svg)](https://example.com/?a=1&b=2#:~:text=hello%20world)

> A quote
with lazy continuation

Inline <kbd>Ctrl</kbd> and <abbr title="HyperText">HTML</abbr>.

```rust
fn main() {}
```
"#;
    let out = html(md);
    assert!(
        out.contains(r#"<img src="../images/cat.png" alt="A cat" title="The cat" loading="lazy">"#),
        "{out}"
    );
    assert!(out.contains(r#"<a href="https://example.com/?a=1&amp;b=2#:~:text=hello%20world" rel="noopener noreferrer"><img src="/logo.svg" alt="Logo" loading="lazy"></a>"#), "{out}");
    assert!(
        out.contains("<blockquote>\n<p>A quote\nwith lazy continuation</p>\n</blockquote>"),
        "{out}"
    );
    assert!(
        out.contains("<kbd>Ctrl</kbd>") && out.contains(r#"<abbr title="HyperText">"#),
        "{out}"
    );
    assert!(out.contains(r#"<code class="language-rust">"#), "{out}");
}

#[test]
fn stray_front_matter_in_a_body_is_not_rendered() {
    let out = html("---\ntitle: x\n---\n\nBody\n");
    assert_eq!(out.trim(), "<p>Body</p>");
}

#[test]
fn script_contents_stay_out_of_the_text() {
    let r = render(
        "Before <script>alert(1)</script> after\n\n<style>\np { color: red }\n</style>\n\nEnd",
    );
    assert_eq!(r.plain_text, "Before after End");
}

#[test]
fn plain_text_and_excerpt() {
    let r = render(
        "# Hello\n\nThis is *some* `code` text.\n\n```\nlet hidden = 1;\n```\n\n- one\n- two\n",
    );
    assert_eq!(r.plain_text, "Hello This is some code text. one two");
    assert_eq!(r.excerpt(), "Hello This is some code text. one two");
}

/// XSS and filter-evasion vectors: from the OWASP XSS Filter Evasion cheat
/// sheet and Markdown-specific shapes.
pub(crate) const XSS_VECTORS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<a onmouseover=\"alert(document.cookie)\">xxs link</a>",
    "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\"\\>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    "<SCRIPT/XSS SRC=\"http://xss.rocks/xss.js\"></SCRIPT>",
    "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
    "<<SCRIPT>alert(\"XSS\");//\\<</SCRIPT>",
    "<IMG SRC=\"`<javascript:alert>`('XSS')\"",
    "<iframe src=http://xss.rocks/scriptlet.html <",
    "<svg/onload=alert('XSS')>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+\">",
    "<div style=\"background-image: url(javascript:alert('XSS'))\">x</div>",
    "<STYLE>@import'http://xss.rocks/xss.css';</STYLE>",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\"><td>x</td></TABLE>",
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    "<LINK REL=\"stylesheet\" HREF=\"javascript:alert('XSS');\">",
    "<details open ontoggle=alert(1)>",
    "<input type=\"image\" src=x onerror=alert(1)>",
    "<a href=\"vbscript:msgbox(1)\">v</a>",
    // Markdown shapes.
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "![img](javascript:alert(1))",
    "![img](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](  javascript:alert(1) \"title\")",
    "[a](<javascript:alert(1)>)",
    "<a href=\"java&#x09;script:alert(1)\">t</a>",
    "[a](java\tscript:alert(1))",
    "```\n</code><script>alert(1)</script>\n```",
    "<img src=\"x\" alt=\"\" onerror=\"alert(1)\">",
    "# Heading {#x onclick=alert(1)}",
    "# Heading {.cls onmouseover=alert(1)}",
];

#[test]
fn the_tag_scanner_reads_attributes_inside_quotes_correctly() {
    let t = tags(r#"<a href=" onerror=x" rel="a"><img src="y" onload="z">"#);
    assert_eq!(
        t[0].1,
        vec![
            ("href".into(), " onerror=x".into()),
            ("rel".into(), "a".into())
        ]
    );
    assert_eq!(t[1].1[1].0, "onload");
}

#[test]
fn the_url_check_itself_catches_dangerous_schemes() {
    assert!(!url_is_safe("javascript:alert(1)"));
    assert!(!url_is_safe(" JaVa\tScript:alert(1)"));
    assert!(!url_is_safe("data:text/html,x"));
    assert!(url_is_safe("https://example.com/a:b"));
    assert!(url_is_safe("../images/x.png"));
    assert!(url_is_safe("x&lt;javascript:"));
    assert!(url_is_safe("#:~:text=hi"));
}

#[test]
fn xss_corpus_is_neutralised() {
    assert!(XSS_VECTORS.len() >= 30);
    for vector in XSS_VECTORS {
        let out = html(vector);
        assert_safe(&out);
        assert!(
            !out.to_ascii_lowercase().contains("<script"),
            "{vector} -> {out}"
        );
    }
}

#[test]
fn link_text_survives_when_its_url_is_dropped() {
    let out = html("[click](javascript:alert(1))");
    assert_eq!(
        out.trim(),
        "<p><a rel=\"noopener noreferrer\">click</a></p>"
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_text_renders_safely(input in "\\PC{0,400}") {
            assert_safe(&render(&input).html.into_inner());
        }

        #[test]
        fn markdown_and_html_fragments_render_safely(
            parts in prop::collection::vec(prop::sample::select(vec![
                "<", ">", "<script>", "</script>", "<img src=x", " onerror=", "alert(1)",
                "javascript:", "[a](", ")", "![b](", "\"", "'", "`", "```", "\n", " ",
                "&#106;", "<svg", "<a href=", "data:", "# ", "{#", "}", "[^1]", "<style>",
                "<!--", "-->", "<![CDATA[", "]]>", "\\", "*", "|", "---\n",
            ]), 0..60)
        ) {
            assert_safe(&render(&parts.concat()).html.into_inner());
        }

        #[test]
        fn url_shapes_render_safely_with_a_media_base(
            parts in prop::collection::vec(prop::sample::select(vec![
                "[a](", "![b](", "<a href=\"", "<img src=\"", "\">", ")", "../", "//", "#",
                "javascript:", "JaVa\tScRiPt:", "&#106;", "data:", "x.png", "?q=1", " \"t\"",
                "%0a", "\\", ":", "/", "mailto:", "http:", "\n", "[^1]", "\n\n[^1]: n\n",
            ]), 0..40)
        ) {
            let options = RenderOptions::new(Some(
                url::Url::parse("https://cdn.example.com/content/posts/").unwrap(),
            ));
            let out = super::super::render(&parts.concat(), &options).unwrap().html.into_inner();
            assert_safe(&out);
        }
    }
}

fn toc(entries: &[(u8, &str, &str)]) -> Vec<TocEntry> {
    entries
        .iter()
        .map(|(level, text, id)| TocEntry {
            level: *level,
            text: (*text).to_owned(),
            id: (*id).to_owned(),
        })
        .collect()
}

#[test]
fn the_table_of_contents_lists_every_heading_with_its_html_id() {
    let r = render(
        "# Guide\n\nIntro.\n\n## Getting *started*\n\n### `cargo` & you\n\n## Getting started\n\n## Mine {#custom}\n\nSetext\n------\n",
    );
    assert_eq!(
        r.toc,
        toc(&[
            (1, "Guide", "user-content-guide"),
            (2, "Getting started", "user-content-getting-started"),
            (3, "cargo & you", "user-content-cargo-you"),
            (2, "Getting started", "user-content-getting-started-1"),
            (2, "Mine", "user-content-custom"),
            (2, "Setext", "user-content-setext"),
        ])
    );
    let out = r.html.into_inner();
    for entry in &r.toc {
        assert!(out.contains(&format!("id=\"{}\"", entry.id)), "{out}");
    }
}

#[test]
fn a_document_without_headings_has_an_empty_table_of_contents() {
    assert!(render("Just text.\n").toc.is_empty());
}

#[test]
fn word_count_and_reading_time_come_from_the_prose() {
    let prose = "word ".repeat(460);
    let r = render(&format!(
        "# Title\n\n{prose}\n\n```\nnot counted at all\n```\n"
    ));
    assert_eq!(r.word_count, 461);
    assert_eq!(r.reading_time, 3, "461 words at 230 a minute, rounded up");
    assert_eq!(render("one two").reading_time, 1);
    let empty = render("");
    assert_eq!((empty.word_count, empty.reading_time), (0, 0));
}

#[test]
fn the_excerpt_is_cut_at_a_word_and_has_no_markup() {
    let r = render(&format!(
        "# Title\n\n**Bold** <em>raw</em> [link](https://x.example) {}\n",
        "lengthy ".repeat(60)
    ));
    let excerpt = r.excerpt();
    assert!(
        excerpt.starts_with("Title Bold raw link lengthy"),
        "{excerpt}"
    );
    assert!(excerpt.ends_with("lengthy…"), "{excerpt}");
    assert!(excerpt.chars().count() <= 201, "{excerpt}");
    assert!(
        !excerpt.contains('<') && !excerpt.contains('*'),
        "{excerpt}"
    );
}

#[test]
fn images_are_lazy_and_code_blocks_keep_their_language() {
    let out = html("![Alt *text*](pic.png \"A title\")\n\n```rust\nfn main() {}\n```\n");
    assert!(
        out.contains(r#"<img src="pic.png" alt="Alt text" title="A title" loading="lazy">"#),
        "{out}"
    );
    assert!(
        out.contains(r#"<pre><code class="language-rust">"#),
        "{out}"
    );
}

#[test]
fn external_links_get_noopener_noreferrer() {
    let out = html("[out](https://example.org/)");
    assert!(
        out.contains(r#"<a href="https://example.org/" rel="noopener noreferrer">out</a>"#),
        "{out}"
    );
}

#[test]
fn a_static_site_post_resolves_against_the_media_base_and_keeps_its_anchors() {
    let options = RenderOptions::new(Some(
        url::Url::parse("https://cdn.example.com/content/posts/").unwrap(),
    ));
    let r = super::render(
        "## Setup\n\n![Diagram](../images/x.png)\n\nSee [setup](#setup), [next](../next/), <img src=\"raw.png\">, a note[^n].\n\n[^n]: Noted.\n",
        &options,
    )
    .unwrap();
    let out = r.html.into_inner();
    for expected in [
        r#"<h2 id="user-content-setup">Setup</h2>"#,
        r#"<img src="https://cdn.example.com/content/images/x.png" alt="Diagram" loading="lazy">"#,
        r##"<a href="#user-content-setup" rel="noopener noreferrer">setup</a>"##,
        r#"<a href="https://cdn.example.com/content/next/" rel="noopener noreferrer">next</a>"#,
        r#"<img src="https://cdn.example.com/content/posts/raw.png" loading="lazy">"#,
        r##"<sup class="footnote-reference"><a href="#user-content-n""##,
        r#"<div class="footnote-definition" id="user-content-n">"#,
    ] {
        assert!(out.contains(expected), "{expected} missing from {out}");
    }
}

#[test]
fn the_corpus_is_neutralised_with_a_media_base_too() {
    let options = RenderOptions::new(Some(url::Url::parse("https://cdn.example.com/m/").unwrap()));
    for vector in XSS_VECTORS {
        let out = super::render(vector, &options).unwrap().html.into_inner();
        assert_safe(&out);
        assert!(
            !out.to_ascii_lowercase().contains("<script"),
            "{vector} -> {out}"
        );
    }
}

#[test]
fn alt_text_stays_out_of_the_prose() {
    let r = render("![A diagram of it](d.png) Words here.");
    assert_eq!(r.plain_text, "Words here.");
    assert_eq!(r.word_count, 2);
}

#[test]
fn heading_ids_stay_unique_and_linear_with_many_duplicates() {
    // Before, each duplicate retried every number the ones before it took:
    // 20,000 of them took 22 s of CPU.
    let r = render(&"## Intro\n".repeat(super::super::limits::MAX_HEADINGS));
    let ids: std::collections::HashSet<&str> = r.toc.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), super::super::limits::MAX_HEADINGS);
    assert_eq!(r.toc[0].id, "user-content-intro");
    assert_eq!(r.toc[1].id, "user-content-intro-1");
    assert_eq!(
        r.toc.last().unwrap().id,
        format!(
            "user-content-intro-{}",
            super::super::limits::MAX_HEADINGS - 1
        )
    );
}

#[test]
fn explicit_ids_are_skipped_by_numbered_ones() {
    let r = render("## A\n\n## B {#a-1}\n\n## A\n\n## A\n");
    let ids: Vec<&str> = r.toc.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "user-content-a",
            "user-content-a-1",
            "user-content-a-2",
            "user-content-a-3"
        ]
    );
}

#[test]
fn bodies_whose_cost_would_outgrow_their_size_are_refused() {
    use super::super::limits::{MAX_HEADINGS, MAX_NESTING, RenderError};
    let options = RenderOptions::default();
    let refused = |md: &str| super::render(md, &options).err();
    // The sizes the security review found slow.
    assert_eq!(
        refused(&"# a\n".repeat(20_000)),
        Some(RenderError::TooManyHeadings)
    );
    assert_eq!(
        refused(&format!("{} x\n", ">".repeat(20_000))),
        Some(RenderError::TooDeep)
    );
    assert_eq!(refused(&"<div>".repeat(40_000)), Some(RenderError::TooDeep));
    let nested_list: String = (0..MAX_NESTING)
        .map(|i| format!("{}- x\n", "  ".repeat(i)))
        .collect();
    assert_eq!(refused(&nested_list), Some(RenderError::TooDeep));
    // At the limits, bodies render.
    assert_eq!(refused(&"# a\n".repeat(MAX_HEADINGS)), None);
    assert_eq!(
        refused(&format!("{} x\n", ">".repeat(MAX_NESTING / 2 - 2))),
        None
    );
    assert_eq!(refused(&"<div>".repeat(MAX_NESTING - 8)), None);
    // Elements that close themselves or each other never stack.
    assert_eq!(refused(&"<p>x<li>y<br><img src=a.png>".repeat(5_000)), None);
}

mod media_images {
    use super::super::{RenderOptions, render_with_media};
    use crate::render::media::{MediaImage, MediaIndex, MediaVariant};

    const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn index() -> MediaIndex {
        MediaIndex::new([MediaImage {
            id: uuid::Uuid::nil(),
            sha256: SHA.into(),
            ext: "jpg".into(),
            width: 1200,
            height: 800,
            alt: Some("From the library".into()),
            placeholder: Some("AAAA".into()),
            filename: None,
            variants: vec![
                MediaVariant {
                    width: 640,
                    height: 427,
                    format: "webp".into(),
                },
                MediaVariant {
                    width: 640,
                    height: 427,
                    format: "jpeg".into(),
                },
                MediaVariant {
                    width: 1200,
                    height: 800,
                    format: "webp".into(),
                },
            ],
        }])
    }

    fn options() -> RenderOptions {
        let base = url::Url::parse("https://cms.example.com/").unwrap();
        RenderOptions::with_media(None, Some(&base), "(max-width: 600px) 100vw, 600px")
    }

    #[test]
    fn a_media_image_carries_its_size_srcset_sizes_and_decoding() {
        let md = format!(
            "![A cat](/media/{SHA}.jpg \"Title\")\n\n![](https://cms.example.com/media/{SHA}/640w.webp)"
        );
        let out = render_with_media(&md, &options(), &index()).unwrap();
        let html = out.html.into_inner();
        super::assert_safe(&html);
        let first = format!(
            "<img src=\"https://cms.example.com/media/{SHA}.jpg\" srcset=\"https://cms.example.com/media/{SHA}/640w.webp 640w, https://cms.example.com/media/{SHA}/1200w.webp 1200w\" sizes=\"(max-width: 600px) 100vw, 600px\" width=\"1200\" height=\"800\" alt=\"A cat\" title=\"Title\" decoding=\"async\" loading=\"lazy\">"
        );
        assert!(html.contains(&first), "{html}");
        assert!(html.contains("alt=\"From the library\""), "{html}");
        assert_eq!(html.matches("loading=").count(), 2, "{html}");
        assert_eq!(out.media.len(), 1);
        assert_eq!(out.plain_text, "");
    }

    #[test]
    fn unknown_media_and_other_images_stay_plain() {
        let other = "f".repeat(64);
        let md = format!("![x](/media/{other}.png) ![y](../docker.png)");
        let html = render_with_media(&md, &options(), &index())
            .unwrap()
            .html
            .into_inner();
        assert!(!html.contains("srcset"), "{html}");
        assert!(
            html.contains(&format!("src=\"/media/{other}.png\"")),
            "{html}"
        );
    }

    #[test]
    fn authors_cannot_write_their_own_srcset_or_sizes() {
        let md = format!(
            "<img src=\"x.png\" srcset=\"https://evil.example.com/a.png 1w\" sizes=\"100vw; x: y\" decoding=\"sync\" width=\"1\">\n\n<img src=\"y.png\" srcset=\"https://cms.example.com/media/{SHA}/640w.webp 640w\">"
        );
        let html = render_with_media(&md, &options(), &index())
            .unwrap()
            .html
            .into_inner();
        assert!(!html.contains("evil"), "{html}");
        assert!(!html.contains("sizes="), "{html}");
        assert!(!html.contains("decoding="), "{html}");
        // A srcset of media variants is harmless wherever it is written.
        assert!(html.contains("640w.webp 640w"), "{html}");
    }
}
