//! Posts as Markdown files with front matter (YAML, TOML or JSON), the way
//! Hugo, Zola, Jekyll and Astro keep them: import
//! (`Content-Type: text/markdown`, `folio import`) and export
//! (`Accept: text/markdown`, `folio export`).
//!
//! Known keys map to fields: `title`, `slug`, the date (`published_at`,
//! `date`, `publishDate`, `pubDate`), `tags` (or Zola's `taxonomies.tags`),
//! `draft`, `published` (Jekyll), `status`, the excerpt (`excerpt`,
//! `summary`, `description`) and the SEO fields (`feature_image`,
//! `feature_image_alt`, `feature_image_caption`, `featured`, `meta_title`,
//! `meta_description`, `canonical_url`, `og_image`). Only the key a field
//! was read from is consumed: every other key, synonyms included, is kept
//! in `metadata` and written back out, so nothing an author wrote is lost.
//! A TOML or JSON file records its format in `metadata.front_matter_format`
//! and is exported in it again.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use super::input::{PostInput, parse_excerpt};
use crate::db::posts::Post;
use crate::domain::problems::Problems;
use crate::domain::{Markdown, Metadata, PostStatus, Slug, Tags, Title, published_at};
use crate::error::AppError;
use crate::render::front_matter::{self, Format};

/// The metadata key that remembers a file's front matter format (absent
/// for YAML, the default).
pub const FORMAT_KEY: &str = "front_matter_format";

/// Synonyms, in order of preference; the first present is read.
const DATE_KEYS: &[&str] = &["published_at", "date", "publishDate", "pubDate"];
const EXCERPT_KEYS: &[&str] = &["excerpt", "summary", "description"];

/// The `text/markdown` request body, as the OpenAPI document describes it.
///
/// No JSON Schema can say "valid YAML front matter with a title", so the
/// pattern describes the smallest file that is always accepted: a front
/// matter of one double-quoted `title` (1–300 characters, not all blank, no
/// control characters), then any body without NUL. It keeps fuzzers that
/// trust the schema honest; the description lists everything else a file
/// may carry.
pub struct MarkdownFile;

const MARKDOWN_FILE_PATTERN: &str = concat!(
    r"^---\r?\n",
    r#"title: "[^"\\\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]{0,149}"#,
    r#"[^"\\\s\u0000-\u001f\u007f-\u009f\ufeff\ufffe\uffff]"#,
    r#"[^"\\\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]{0,150}"\r?\n"#,
    r"---\r?\n[^\u0000]*$",
);

impl utoipa::PartialSchema for MarkdownFile {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A Markdown file with front matter: YAML between `---` lines, TOML \
                 between `+++` lines, or a JSON object at the top. `title` is required, \
                 unless the body has a heading (the first one is the title); `slug`, the \
                 date (`published_at`, `date`, `publishDate`, `pubDate`), `tags` (or \
                 `taxonomies.tags`), the excerpt (`excerpt`, `summary`, `description`), \
                 `draft`, `published` and `status` map to the post's fields, and any \
                 other key is kept in `metadata`. The pattern shows the smallest file \
                 that is always accepted. At most `FOLIO_MAX_MARKDOWN_BYTES` (1 MiB by \
                 default), with at most 64 KiB of front matter.",
            ))
            .pattern(Some(MARKDOWN_FILE_PATTERN))
            .max_length(Some(1_048_576))
            .into()
    }
}

impl utoipa::ToSchema for MarkdownFile {}

/// Parses a whole Markdown file into a post (a request body: no file name).
pub fn parse(source: &str) -> Result<PostInput, AppError> {
    parse_file(source, None)
}

/// Parses a Markdown file whose name (its stem, or a page bundle's folder)
/// is known: a Jekyll name `2024-01-31-title` gives the date when the front
/// matter has none, and the name is the last fallback for the title.
pub fn parse_file(source: &str, name: Option<&str>) -> Result<PostInput, AppError> {
    let doc = front_matter::split(source).map_err(|e| AppError::invalid("front_matter", e))?;
    let mut fm = doc
        .fields()
        .map_err(|e| AppError::invalid("front_matter", e))?;
    let mut p = Problems::default();
    let (name_date, name_rest) = match name.map(split_dated_name) {
        Some((date, rest)) => (date, Some(rest)),
        None => (None, None),
    };

    let title = match fm.remove("title") {
        Some(Value::String(t)) => p.check("title", Title::parse(&t)),
        Some(_) => p.check("title", Err("must be a string")),
        None => match first_heading(doc.body).or_else(|| name_rest.and_then(title_from_name)) {
            Some(t) => p.check("title", Title::parse(&t)),
            None => p.check(
                "title",
                Err(format!(
                    "is required: the {} front matter has no `title`, and the body no heading",
                    doc.format.as_str().to_uppercase()
                )),
            ),
        },
    };
    let slug = match fm.remove("slug") {
        Some(Value::String(s)) => p.check("slug", Slug::parse(&s)).map(Some),
        Some(_) => p.check("slug", Err("must be a string")),
        None => Some(None),
    };
    let date = match take_first(&mut fm, DATE_KEYS) {
        Some((_, Value::String(d))) => p
            .check("date", parse_date(&d).and_then(published_at::parse))
            .map(Some),
        Some((_, Value::Null)) => Some(None),
        None => match name_date {
            Some(d) => p.check("date", published_at::parse(d)).map(Some),
            None => Some(None),
        },
        Some(_) => p.check(
            "date",
            Err("must be a date such as 2024-05-01 or 2024-05-01T09:30:00Z"),
        ),
    };
    let tags_value = match fm.remove("tags") {
        Some(v) => Some(v),
        // Zola keeps tags among its taxonomies; the (possibly empty)
        // `taxonomies` table stays in metadata, and export puts them back.
        None => fm
            .get_mut("taxonomies")
            .and_then(Value::as_object_mut)
            .and_then(|t| t.remove("tags")),
    };
    let tags = match tags_value {
        None | Some(Value::Null) => p.check("tags", Tags::parse(Vec::<String>::new())),
        Some(Value::Array(items)) => {
            let names: Result<Vec<String>, _> = items.iter().map(scalar_string).collect();
            p.check("tags", names.and_then(Tags::parse))
        }
        // Jekyll allows `tags: a b` and `tags: a, b`.
        Some(Value::String(s)) if s.contains(',') => p.check("tags", Tags::parse(s.split(','))),
        Some(Value::String(s)) => p.check("tags", Tags::parse(s.split_whitespace())),
        Some(_) => p.check("tags", Err("must be a list of strings")),
    };
    let excerpt = match take_first(&mut fm, EXCERPT_KEYS) {
        Some((_, Value::String(e))) => p.check("description", parse_excerpt(&e)),
        None | Some((_, Value::Null)) => Some(None),
        Some((key, _)) => p.check(key, Err("must be a string")),
    };
    let draft = match (fm.remove("draft"), fm.remove("published")) {
        (Some(Value::Bool(d)), _) => d,
        (Some(_), _) => {
            p.push("draft", "must be true or false");
            false
        }
        (None, Some(Value::Bool(published))) => !published,
        (None, Some(_)) => {
            p.push("published", "must be true or false");
            false
        }
        (None, None) => false,
    };
    let status = match fm.remove("status") {
        Some(Value::String(s)) => p.check("status", PostStatus::parse(&s)),
        Some(_) => p.check("status", PostStatus::parse("")),
        // A file with a date and no `draft: true` is published.
        None if !draft && matches!(date, Some(Some(_))) => Some(PostStatus::Published),
        None => Some(PostStatus::Draft),
    };
    let seo = super::seo::from_front_matter(&mut p, &mut fm);
    fm.remove(FORMAT_KEY);
    if doc.format != Format::Yaml {
        fm.insert(FORMAT_KEY.into(), doc.format.as_str().into());
    }
    let metadata = p.check("metadata", Metadata::parse(Value::Object(fm)));
    let markdown = p.check("markdown", Markdown::parse(doc.body.to_owned()));
    p.finish()?;
    let (
        Some(title),
        Some(slug),
        Some(date),
        Some(tags),
        Some(excerpt),
        Some(status),
        Some(metadata),
        Some(markdown),
    ) = (title, slug, date, tags, excerpt, status, metadata, markdown)
    else {
        return Err(AppError::BadRequest("invalid Markdown file".into()));
    };
    Ok(PostInput {
        title,
        slug,
        markdown,
        excerpt,
        status,
        published_at: date,
        tags,
        metadata,
        seo,
    })
}

/// Removes and returns the first of `keys` present.
fn take_first(fm: &mut Map<String, Value>, keys: &[&'static str]) -> Option<(&'static str, Value)> {
    keys.iter().find_map(|k| fm.remove(*k).map(|v| (*k, v)))
}

/// Jekyll's `2024-01-31-title`: the date (midnight UTC) and the rest.
pub fn split_dated_name(name: &str) -> (Option<DateTime<Utc>>, &str) {
    let date = name
        .get(..10)
        .filter(|_| name.as_bytes().get(10) == Some(&b'-'))
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    match date {
        Some(d) => (d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()), &name[11..]),
        None => (None, name),
    }
}

/// The text of the body's first heading, as the reader sees it.
fn first_heading(body: &str) -> Option<String> {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut text: Option<String> = None;
    for event in Parser::new(body) {
        match (&mut text, event) {
            (None, Event::Start(Tag::Heading { .. })) => text = Some(String::new()),
            (Some(t), Event::Text(s) | Event::Code(s)) => t.push_str(&s),
            (Some(t), Event::End(TagEnd::Heading(_))) => {
                let t = t.trim();
                if !t.is_empty() {
                    return Some(t.to_owned());
                }
                text = None;
            }
            _ => {}
        }
    }
    None
}

/// `getting-started` reads as "Getting started".
fn title_from_name(name: &str) -> Option<String> {
    let words = name.replace(['-', '_'], " ");
    let words = words.trim();
    let mut chars = words.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

fn scalar_string(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err("must be a list of strings".into()),
    }
}

/// Front-matter dates as static-site generators write them.
fn parse_date(raw: &str) -> Result<DateTime<Utc>, &'static str> {
    let raw = raw.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(raw) {
        return Ok(d.with_timezone(&Utc));
    }
    // Jekyll: `2024-05-01 09:30:00 +0100`.
    if let Ok(d) = DateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S %z") {
        return Ok(d.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(raw, format) {
            return Ok(d.and_utc());
        }
    }
    // Bare dates; the second is how Astro's starter writes `pubDate`.
    for format in ["%Y-%m-%d", "%b %d %Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(raw, format) {
            return Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
        }
    }
    Err("must be a date such as 2024-05-01 or 2024-05-01T09:30:00Z")
}

/// Writes a post back out as a Markdown file that imports to the same post,
/// in the front matter format it came in.
pub fn export(post: &Post) -> String {
    let format = match &post.metadata {
        Value::Object(m) => m.get(FORMAT_KEY).and_then(Value::as_str),
        _ => None,
    }
    .and_then(Format::parse)
    .unwrap_or_default();
    export_as(post, format)
}

/// Writes a post back out with its front matter in `format`.
pub fn export_as(post: &Post, format: Format) -> String {
    let mut fm = Map::new();
    fm.insert(
        "title".into(),
        Value::String(post.title.as_str().to_owned()),
    );
    fm.insert("slug".into(), Value::String(post.slug.as_str().to_owned()));
    if let Some(at) = post.published_at {
        fm.insert(
            "date".into(),
            Value::String(at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        );
    }
    fm.insert(
        "status".into(),
        Value::String(post.status.as_str().to_owned()),
    );
    if post.custom_excerpt {
        fm.insert("description".into(), Value::String(post.excerpt.clone()));
    }
    let tags = Value::Array(post.tags.iter().cloned().map(Value::String).collect());
    let mut extra = match &post.metadata {
        Value::Object(extra) => extra.clone(),
        _ => Map::new(),
    };
    extra.remove(FORMAT_KEY);
    // Tags that came from Zola's `[taxonomies]` go back there.
    match extra.get_mut("taxonomies").and_then(Value::as_object_mut) {
        Some(taxonomies) if !post.tags.is_empty() => {
            taxonomies.insert("tags".into(), tags);
        }
        Some(_) => {}
        None if !post.tags.is_empty() => {
            fm.insert("tags".into(), tags);
        }
        None => {}
    }
    super::seo::to_front_matter(&post.seo, &mut fm);
    for (k, v) in extra {
        fm.entry(k).or_insert(v);
    }
    let mut out = front_matter::write(format, &fm);
    out.push_str(&post.markdown);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_matching_the_documented_pattern_parse() {
        // The pattern is an ECMA/Python regex; spot-check it with files it
        // admits (by construction of the character classes above).
        for file in [
            "---\ntitle: \"Hello\"\n---\n",
            "---\r\ntitle: \" 😀 x \"\r\n---\r\n# Body\n\n\u{202e}text",
            "---\ntitle: \"true\"\n---\nbody",
            "---\ntitle: \"é: #x & *y\"\n---\n---\n",
        ] {
            assert!(parse(file).is_ok(), "{file:?}");
        }
        assert!(MARKDOWN_FILE_PATTERN.starts_with("^---"));
    }

    const HUGO: &str = "---\ntitle: \"My First Post\"\ndate: 2024-03-10T14:30:00+01:00\ndraft: false\ntags: [\"rust\", \"web\"]\ncategories: [\"dev\"]\ndescription: A short one.\n---\n\n# Hello\n\nBody.\n";

    #[test]
    fn maps_hugo_front_matter_to_fields() {
        let p = parse(HUGO).unwrap();
        assert_eq!(p.title.as_str(), "My First Post");
        assert_eq!(p.status, PostStatus::Published);
        assert_eq!(
            p.published_at.unwrap().to_rfc3339(),
            "2024-03-10T13:30:00+00:00"
        );
        assert_eq!(p.tags.clone().into_inner(), vec!["rust", "web"]);
        assert_eq!(p.excerpt.as_deref(), Some("A short one."));
        assert_eq!(
            p.metadata.clone().into_value(),
            serde_json::json!({"categories": ["dev"]})
        );
        assert_eq!(p.markdown.as_str(), "\n# Hello\n\nBody.\n");
    }

    #[test]
    fn drafts_and_dateless_files_are_drafts() {
        assert_eq!(
            parse("---\ntitle: a\ndate: 2024-01-01\ndraft: true\n---\nx")
                .unwrap()
                .status,
            PostStatus::Draft
        );
        assert_eq!(
            parse("---\ntitle: a\n---\nx").unwrap().status,
            PostStatus::Draft
        );
        assert_eq!(
            parse("---\ntitle: a\ndate: 2024-01-01\npublished: false\n---\nx")
                .unwrap()
                .status,
            PostStatus::Draft
        );
        assert_eq!(
            parse("---\ntitle: a\nstatus: published\n---\nx")
                .unwrap()
                .status,
            PostStatus::Published
        );
    }

    #[test]
    fn jekyll_dates_and_tag_strings() {
        let p = parse("---\ntitle: a\ndate: 2024-05-01 09:30:00 +0100\ntags: ruby jekyll\n---\nx")
            .unwrap();
        assert_eq!(
            p.published_at.unwrap().to_rfc3339(),
            "2024-05-01T08:30:00+00:00"
        );
        assert_eq!(p.tags.into_inner(), vec!["ruby", "jekyll"]);
    }

    #[test]
    fn bad_front_matter_lists_every_field() {
        let Err(AppError::Validation(fields)) =
            parse("---\ndate: yesterday\ntags: {a: 1}\ndraft: maybe\n---\nx")
        else {
            panic!("expected a validation error");
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, vec!["title", "date", "tags", "draft"]);
    }

    #[test]
    fn export_then_import_gives_the_same_post() {
        let input = parse(HUGO).unwrap();
        let rendered =
            crate::render::render(input.markdown(), &Default::default()).expect("renders");
        let post = input.clone().into_post(
            Slug::parse("my-first-post").unwrap(),
            uuid::Uuid::nil(),
            Utc::now(),
            rendered,
        );
        let again = parse(&export(&post)).unwrap();
        assert_eq!(again.title, input.title);
        assert_eq!(again.published_at, input.published_at);
        assert_eq!(again.status, input.status);
        assert_eq!(again.tags, input.tags);
        assert_eq!(again.excerpt, input.excerpt);
        assert_eq!(again.metadata, input.metadata);
        assert_eq!(again.markdown, input.markdown);
        assert_eq!(again.slug.unwrap().as_str(), "my-first-post");
    }

    fn post_from(input: &PostInput, slug: &str) -> Post {
        let rendered =
            crate::render::render(input.markdown(), &Default::default()).expect("renders");
        input.clone().into_post(
            Slug::parse(slug).unwrap(),
            uuid::Uuid::nil(),
            Utc::now(),
            rendered,
        )
    }

    #[test]
    fn zola_toml_maps_taxonomies_and_keeps_the_rest() {
        let zola = "+++\ntitle = \"Zola\"\ndate = 2024-01-31\nupdated = 2024-02-01\nweight = 3\n\
                    [taxonomies]\ntags = [\"rust\"]\ncategories = [\"dev\"]\n[extra]\ntoc = true\n+++\nBody\n";
        let p = parse(zola).unwrap();
        assert_eq!(p.title.as_str(), "Zola");
        assert_eq!(p.status, PostStatus::Published);
        assert_eq!(p.tags.clone().into_inner(), vec!["rust"]);
        assert_eq!(
            p.metadata.clone().into_value(),
            serde_json::json!({"updated": "2024-02-01", "weight": 3,
                "taxonomies": {"categories": ["dev"]}, "extra": {"toc": true},
                "front_matter_format": "toml"})
        );
        let out = export(&post_from(&p, "zola"));
        assert!(
            out.starts_with("+++\n") && out.contains("tags = [\"rust\"]"),
            "{out}"
        );
        assert!(!out.contains("front_matter_format"), "{out}");
        let again = parse(&out).unwrap();
        assert_eq!(again.metadata, p.metadata);
        assert_eq!(again.tags, p.tags);
        assert_eq!(again.published_at, p.published_at);
    }

    #[test]
    fn hugo_json_round_trips_as_json() {
        let hugo = "{\n  \"title\": \"JSON\",\n  \"date\": \"2024-03-01T10:00:00+02:00\",\n  \"params\": {\"x\": [1, 2]}\n}\nBody\n";
        let p = parse(hugo).unwrap();
        assert_eq!(
            p.published_at.unwrap().to_rfc3339(),
            "2024-03-01T08:00:00+00:00"
        );
        let out = export(&post_from(&p, "json"));
        assert!(out.starts_with("{\n"), "{out}");
        let again = parse(&out).unwrap();
        assert_eq!((again.metadata, again.markdown), (p.metadata, p.markdown));
    }

    #[test]
    fn synonyms_not_read_stay_in_metadata() {
        let p = parse("---\ntitle: a\nsummary: S\ndescription: D\npubDate: 2024-01-01\nlastmod: 2024-02-01\nauthors: [me]\naliases: [/old/a/]\n---\nx").unwrap();
        assert_eq!(p.excerpt.as_deref(), Some("S"));
        assert_eq!(
            p.metadata.into_value(),
            serde_json::json!({"description": "D", "lastmod": "2024-02-01",
                "authors": ["me"], "aliases": ["/old/a/"]})
        );
        assert!(p.published_at.is_some());
    }

    #[test]
    fn title_falls_back_to_the_first_heading_then_the_file_name() {
        assert_eq!(
            parse("---\n---\nintro\n\n## The `real` one\n")
                .unwrap()
                .title
                .as_str(),
            "The real one"
        );
        let p = parse_file("no heading", Some("2024-01-31-getting-started")).unwrap();
        assert_eq!(p.title.as_str(), "Getting started");
        assert_eq!(
            p.published_at.unwrap().to_rfc3339(),
            "2024-01-31T00:00:00+00:00"
        );
        assert_eq!(p.status, PostStatus::Published);
        let Err(AppError::Validation(fields)) = parse("+++\ndate = 2024-01-01\n+++\nno heading")
        else {
            panic!("expected a validation error");
        };
        assert!(
            fields[0]
                .message
                .contains("TOML front matter has no `title`"),
            "{}",
            fields[0].message
        );
    }

    #[test]
    fn front_matter_dates_beat_the_file_name() {
        let p = parse_file(
            "---\ntitle: a\ndate: 2024-02-02 10:00:00 -0500\n---\n",
            Some("2024-01-31-a"),
        )
        .unwrap();
        assert_eq!(
            p.published_at.unwrap().to_rfc3339(),
            "2024-02-02T15:00:00+00:00"
        );
    }
}
