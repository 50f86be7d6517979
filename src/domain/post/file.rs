//! Posts as Markdown files with YAML front matter, the way Hugo, Jekyll,
//! Astro and Zola keep them: import (`Content-Type: text/markdown`) and
//! export (`Accept: text/markdown`).
//!
//! Known keys map to fields: `title`, `slug`, `date` or `published_at`,
//! `tags`, `draft`, `published` (Jekyll), `status`, `description` or
//! `excerpt`, and the SEO fields (`feature_image`, `feature_image_alt`,
//! `feature_image_caption`, `featured`, `meta_title`, `meta_description`,
//! `canonical_url`, `og_image`). Every other key is kept in `metadata` and
//! written back out.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use super::input::{PostInput, parse_excerpt};
use crate::db::posts::Post;
use crate::domain::problems::Problems;
use crate::domain::{Markdown, Metadata, PostStatus, Slug, Tags, Title, published_at};
use crate::error::AppError;
use crate::render::front_matter;

const KNOWN_KEYS: &[&str] = &[
    "title",
    "slug",
    "date",
    "published_at",
    "tags",
    "draft",
    "published",
    "status",
    "description",
    "excerpt",
];

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
                "A Markdown file with YAML front matter between `---` lines. `title` is \
                 required; `slug`, `date` or `published_at`, `tags`, `description` or \
                 `excerpt`, `draft`, `published` and `status` map to the post's fields, \
                 and any other key is kept in `metadata`. The pattern shows the smallest \
                 file that is always accepted. At most `FOLIO_MAX_MARKDOWN_BYTES` (1 MiB \
                 by default), with at most 64 KiB of front matter.",
            ))
            .pattern(Some(MARKDOWN_FILE_PATTERN))
            .max_length(Some(1_048_576))
            .into()
    }
}

impl utoipa::ToSchema for MarkdownFile {}

/// Parses a whole Markdown file into a post.
pub fn parse(source: &str) -> Result<PostInput, AppError> {
    let doc = front_matter::split(source).map_err(|e| AppError::invalid("front_matter", e))?;
    let mut fm = match doc.front_matter {
        Some(yaml) => {
            front_matter::parse(yaml).map_err(|e| AppError::invalid("front_matter", e))?
        }
        None => Map::new(),
    };
    let mut p = Problems::default();

    let title = match fm.get("title") {
        Some(Value::String(t)) => p.check("title", Title::parse(t)),
        Some(_) => p.check("title", Err("must be a string")),
        None => p.check("title", Err("is required in the front matter")),
    };
    let slug = match fm.get("slug") {
        Some(Value::String(s)) => p.check("slug", Slug::parse(s)).map(Some),
        Some(_) => p.check("slug", Err("must be a string")),
        None => Some(None),
    };
    let date = match fm.get("published_at").or_else(|| fm.get("date")) {
        Some(Value::String(d)) => p
            .check("date", parse_date(d).and_then(published_at::parse))
            .map(Some),
        Some(Value::Null) | None => Some(None),
        Some(_) => p.check(
            "date",
            Err("must be a date such as 2024-05-01 or 2024-05-01T09:30:00Z"),
        ),
    };
    let tags = match fm.get("tags") {
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
    let excerpt = match fm.get("excerpt").or_else(|| fm.get("description")) {
        Some(Value::String(e)) => p.check("description", parse_excerpt(e)),
        None | Some(Value::Null) => Some(None),
        Some(_) => p.check("description", Err("must be a string")),
    };
    let draft = match (fm.get("draft"), fm.get("published")) {
        (Some(Value::Bool(d)), _) => *d,
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
    let status = match fm.get("status") {
        Some(Value::String(s)) => p.check("status", PostStatus::parse(s)),
        Some(_) => p.check("status", PostStatus::parse("")),
        // A file with a date and no `draft: true` is published.
        None if !draft && matches!(date, Some(Some(_))) => Some(PostStatus::Published),
        None => Some(PostStatus::Draft),
    };
    let seo = super::seo::from_front_matter(&mut p, &mut fm);
    for key in KNOWN_KEYS {
        fm.remove(*key);
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
    if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    Err("must be a date such as 2024-05-01 or 2024-05-01T09:30:00Z")
}

/// Writes a post back out as a Markdown file that imports to the same post.
pub fn export(post: &Post) -> String {
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
    if !post.tags.is_empty() {
        fm.insert(
            "tags".into(),
            Value::Array(post.tags.iter().cloned().map(Value::String).collect()),
        );
    }
    super::seo::to_front_matter(&post.seo, &mut fm);
    if let Value::Object(extra) = &post.metadata {
        for (k, v) in extra {
            fm.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let mut out = front_matter::write(&fm);
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
}
