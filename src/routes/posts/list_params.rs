//! The list's query parameters: parsed by hand from the raw query string
//! (so `metadata.<key>` and duplicates can be handled), documented for
//! OpenAPI by [`ListQuery`]. Every bad value is a 400 naming the parameter.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::post_list::{Sort, SortKey};
use crate::domain::PostStatus;
use crate::error::AppError;

pub const DEFAULT_LIMIT: u32 = 15;
pub const MAX_LIMIT: u32 = 100;
/// The most search hits on one page: each hit costs a ranking and a
/// snippet, so a search page is kept smaller than a plain one.
pub const MAX_SEARCH_LIMIT: u32 = 25;
/// Far past any real blog; keeps `page × limit` well inside an i64.
pub const MAX_PAGE: u32 = 1_000_000;
pub const MAX_QUERY_CHARS: usize = 256;
/// The longest cursor Folio issues is well below this.
pub const MAX_CURSOR_CHARS: usize = 1_024;
/// The longest date or instant a client may send.
pub const MAX_INSTANT_CHARS: usize = 64;
/// The longest value of one `metadata.*` parameter (the whole of
/// `metadata` is at most 16 KiB, so no longer value can match).
pub const MAX_METADATA_VALUE_CHARS: usize = crate::domain::metadata::MAX_METADATA_BYTES;
/// The most `metadata.*` filters in one list request.
pub const MAX_METADATA_FILTERS: usize = 16;

/// The fields a list item can have, for `fields=`.
pub const FIELDS: &[&str] = &[
    "id",
    "slug",
    "title",
    "status",
    "published_at",
    "excerpt",
    "tags",
    "metadata",
    "author",
    "created_at",
    "updated_at",
    "word_count",
    "reading_time",
    "feature_image",
    "feature_image_alt",
    "feature_image_caption",
    "featured",
    "meta_title",
    "meta_description",
    "canonical_url",
    "og_image",
    "markdown",
    "html",
    "plaintext",
    "snippet",
    "rank",
];

/// How to order a list; `-` means descending.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum SortParam {
    #[serde(rename = "-published_at")]
    NewestFirst,
    #[serde(rename = "published_at")]
    OldestFirst,
    #[serde(rename = "-updated_at")]
    RecentlyUpdatedFirst,
    #[serde(rename = "updated_at")]
    LeastRecentlyUpdatedFirst,
    #[serde(rename = "title")]
    TitleAz,
    #[serde(rename = "-title")]
    TitleZa,
    /// Best match first; only with `q` (and the default then).
    #[serde(rename = "relevance")]
    Relevance,
}

/// A body format to include in each list item.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FormatParam {
    Html,
    Markdown,
    Plaintext,
}

/// The list's query parameters, as documented. Parsed by [`parse`].
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only: see `parse`
pub struct ListQuery {
    /// The page, from 1. A page past the end is an empty list. Not with `cursor`.
    #[param(minimum = 1, maximum = 1000000, default = 1)]
    pub page: Option<u32>,
    /// Posts per page; at most 25 with `q`.
    #[param(minimum = 1, maximum = 100, default = 15)]
    pub limit: Option<u32>,
    /// Keyset pagination: `meta.pagination.next_cursor` from the previous
    /// page, with the same `sort`. Stable while posts are added. Not with `page`.
    #[param(min_length = 1, max_length = 1024, pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
    /// The order; `-` means descending. Default `-published_at`, or
    /// `relevance` with `q`.
    #[param(value_type = Option<SortParam>)]
    pub sort: Option<String>,
    /// Full-text search over title, tags, excerpt and body, in web-search
    /// syntax: `"a phrase"`, `-excluded`, `this or that`. Each hit carries a
    /// `snippet` (HTML-escaped text with matches in `<mark>`) and a `rank`.
    #[param(min_length = 1, max_length = 256, example = "rust -java")]
    pub q: Option<String>,
    /// Posts with this tag (its name, as posts carry it).
    #[param(schema_with = crate::domain::tags::tag_name_schema)]
    pub tag: Option<String>,
    /// Posts by this author (the author's id, as in `author.id`).
    pub author: Option<Uuid>,
    /// Posts in this status. Signed-in callers only (401 otherwise), and
    /// still limited to what the caller may see.
    #[param(value_type = Option<PostStatus>)]
    pub status: Option<String>,
    /// Published strictly after this instant (RFC 3339, or a date meaning
    /// its midnight UTC).
    #[param(value_type = Option<String>, format = DateTime, max_length = 64, example = "2024-01-01T00:00:00Z")]
    pub published_after: Option<String>,
    /// Published strictly before this instant (RFC 3339, or a date).
    #[param(value_type = Option<String>, format = DateTime, max_length = 64, example = "2025-01-01T00:00:00Z")]
    pub published_before: Option<String>,
    /// Metadata equality, one parameter per key: `metadata.series=intro`
    /// (or `metadata[series]=intro`). Nested keys use dots
    /// (`metadata.cover.alt=x`). A value matches the string, the same JSON
    /// number/boolean/null, or an array containing it. Keys are letters,
    /// digits, `_` and `-`, at most 64 characters each.
    #[param(style = DeepObject, explode, schema_with = metadata_filter_schema)]
    pub metadata: Option<HashMap<String, String>>,
    /// Sparse fieldset: a comma-separated subset of the item fields
    /// (`id` always included). Naming `html`, `markdown` or `plaintext`
    /// adds that format.
    #[param(style = Form, explode = false, schema_with = fields_schema, example = json!(["id", "slug", "title"]))]
    pub fields: Option<String>,
    /// Bodies to include in each item, comma-separated. None by default.
    #[param(style = Form, explode = false, schema_with = formats_schema)]
    pub formats: Option<String>,
}

/// `fields`: names from [`FIELDS`], each at most once.
fn fields_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(FIELDS.iter().copied()))
                .max_length(Some(FIELDS.iter().map(|f| f.len()).max().unwrap_or(0))),
        )
        .min_items(Some(1))
        .max_items(Some(FIELDS.len()))
        .build()
}

/// `formats`: up to the three body formats.
fn formats_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::ArrayBuilder;
    ArrayBuilder::new()
        .items(utoipa::openapi::Ref::from_schema_name("FormatParam"))
        .min_items(Some(1))
        .max_items(Some(3))
        .build()
}

/// `metadata.<key>`: keys of letters, digits, `_` and `-`; bounded values.
fn metadata_filter_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}$"))
                .max_length(Some(8 * 65)),
        ))
        .additional_properties(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(MAX_METADATA_VALUE_CHARS))
                .pattern(Some(r"^[^\u0000]*$")),
        ))
        .max_properties(Some(16))
        .build()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Formats {
    pub html: bool,
    pub markdown: bool,
    pub plaintext: bool,
}

/// The parsed, checked parameters.
#[derive(Debug, Clone)]
pub struct ListParams {
    pub page: Option<u32>,
    pub limit: u32,
    pub cursor: Option<String>,
    pub sort: Sort,
    pub q: Option<String>,
    pub tag: Option<String>,
    pub author: Option<Uuid>,
    pub status: Option<PostStatus>,
    pub published_after: Option<DateTime<Utc>>,
    pub published_before: Option<DateTime<Utc>>,
    /// Per `metadata.*` parameter, the documents any of which must be contained.
    pub metadata: Vec<Vec<serde_json::Value>>,
    pub fields: Option<Vec<String>>,
    pub formats: Formats,
}

fn bad(name: &str, message: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(format!("query parameter `{name}` {message}"))
}

pub fn sort_name(sort: Sort) -> &'static str {
    match (sort.key, sort.descending) {
        (SortKey::PublishedAt, true) => "-published_at",
        (SortKey::PublishedAt, false) => "published_at",
        (SortKey::UpdatedAt, true) => "-updated_at",
        (SortKey::UpdatedAt, false) => "updated_at",
        (SortKey::Title, true) => "-title",
        (SortKey::Title, false) => "title",
        (SortKey::Relevance, _) => "relevance",
    }
}

fn parse_sort(raw: &str) -> Option<Sort> {
    let (descending, name) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let key = match name {
        "published_at" => SortKey::PublishedAt,
        "updated_at" => SortKey::UpdatedAt,
        "title" => SortKey::Title,
        "relevance" if !descending => return Some(Sort::RELEVANCE),
        _ => return None,
    };
    Some(Sort { key, descending })
}

/// A whole number from 1 to `max`, or a 400 naming the parameter.
pub fn parse_number(name: &str, raw: &str, max: u32) -> Result<u32, AppError> {
    match raw.parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(bad(name, format!("must be a whole number from 1 to {max}"))),
    }
}

fn parse_instant(name: &str, raw: &str) -> Result<DateTime<Utc>, AppError> {
    if raw.len() > MAX_INSTANT_CHARS {
        return Err(bad(
            name,
            format!("must be at most {MAX_INSTANT_CHARS} characters"),
        ));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| bad(name, "must be an RFC 3339 date-time or a YYYY-MM-DD date"))
}

/// `metadata.a.b=v` → the documents `{"a":{"b":"v"}}`, `{"a":{"b":["v"]}}`,
/// and `{"a":{"b":<v as JSON>}}` when `v` is a number, boolean or null.
fn metadata_documents(
    name: &str,
    path: &str,
    raw: &str,
) -> Result<Vec<serde_json::Value>, AppError> {
    use serde_json::Value;
    let segments: Vec<&str> = path.split('.').collect();
    let valid = |s: &&str| {
        !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if segments.len() > 8 || !segments.iter().all(valid) {
        return Err(bad(
            name,
            "needs a key of letters, digits, `_` or `-` (nested keys joined by dots, at most 8)",
        ));
    }
    let mut leaves = vec![
        Value::String(raw.to_owned()),
        Value::Array(vec![raw.into()]),
    ];
    if let Ok(v @ (Value::Number(_) | Value::Bool(_) | Value::Null)) = serde_json::from_str(raw) {
        leaves.push(v.clone());
        leaves.push(Value::Array(vec![v]));
    }
    Ok(leaves
        .into_iter()
        .map(|leaf| {
            segments.iter().rev().fold(leaf, |inner, key| {
                let mut map = serde_json::Map::new();
                map.insert((*key).to_owned(), inner);
                Value::Object(map)
            })
        })
        .collect())
}

/// A tag name to filter by: what [`crate::domain::Tags`] accepts.
pub fn parse_tag(raw: &str) -> Result<String, AppError> {
    crate::domain::Tags::parse([raw])
        .ok()
        .and_then(|t| t.into_inner().pop())
        .ok_or_else(|| {
            bad(
                "tag",
                format!(
                    "must be a tag name: 1–{} characters, no control characters",
                    crate::domain::tags::MAX_TAG_CHARS
                ),
            )
        })
}

fn comma_list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',').map(str::trim)
}

/// Parses a raw query string. Unknown and repeated parameters are errors:
/// a typo (`tags=`) must not silently widen a list.
pub fn parse(query: &str) -> Result<ListParams, AppError> {
    let mut seen = HashSet::new();
    let mut p = ListParams {
        page: None,
        limit: DEFAULT_LIMIT,
        cursor: None,
        sort: Sort::NEWEST,
        q: None,
        tag: None,
        author: None,
        status: None,
        published_after: None,
        published_before: None,
        metadata: Vec::new(),
        fields: None,
        formats: Formats::default(),
    };
    let mut sort = None;
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let metadata_key = name
            .strip_prefix("metadata.")
            .map(str::to_owned)
            .or_else(|| {
                name.strip_prefix("metadata[")
                    .and_then(|k| k.strip_suffix(']'))
                    .map(|k| k.replace("][", "."))
            });
        let canonical = metadata_key
            .as_ref()
            .map_or_else(|| name.to_string(), |k| format!("metadata.{k}"));
        if !seen.insert(canonical) {
            return Err(bad(&name, "is given more than once"));
        }
        if let Some(key) = metadata_key {
            if p.metadata.len() >= MAX_METADATA_FILTERS {
                return Err(bad(
                    &name,
                    format!("is one `metadata.*` filter too many (at most {MAX_METADATA_FILTERS})"),
                ));
            }
            if value.chars().count() > MAX_METADATA_VALUE_CHARS {
                return Err(bad(&name, "is longer than any stored metadata"));
            }
            p.metadata.push(metadata_documents(&name, &key, &value)?);
            continue;
        }
        let value = value.as_ref();
        match name.as_ref() {
            "page" => p.page = Some(parse_number("page", value, MAX_PAGE)?),
            "limit" => p.limit = parse_number("limit", value, MAX_LIMIT)?,
            "cursor" if value.is_empty() => return Err(bad("cursor", "must not be empty")),
            "cursor" if value.len() > MAX_CURSOR_CHARS => {
                return Err(bad("cursor", "is not a cursor Folio issued"));
            }
            "cursor" => p.cursor = Some(value.to_owned()),
            "sort" => {
                sort = Some(parse_sort(value).ok_or_else(|| {
                    bad(
                        "sort",
                        "must be one of published_at, updated_at, title (each optionally with a leading `-`) or relevance",
                    )
                })?);
            }
            "q" => {
                let q = value.trim();
                if q.is_empty() || q.chars().count() > MAX_QUERY_CHARS {
                    return Err(bad(
                        "q",
                        format!("must have 1 to {MAX_QUERY_CHARS} characters"),
                    ));
                }
                p.q = Some(q.to_owned());
            }
            "tag" => p.tag = Some(parse_tag(value)?),
            "author" => {
                p.author = Some(
                    Uuid::try_parse(value)
                        .map_err(|_| bad("author", "must be an author's id (a UUID)"))?,
                );
            }
            "status" => p.status = Some(PostStatus::parse(value).map_err(|m| bad("status", m))?),
            "published_after" => p.published_after = Some(parse_instant("published_after", value)?),
            "published_before" => {
                p.published_before = Some(parse_instant("published_before", value)?);
            }
            "fields" => {
                let mut fields = Vec::new();
                for f in comma_list(value) {
                    if !FIELDS.contains(&f) {
                        return Err(bad(
                            "fields",
                            format!("names an unknown field `{f}`; known: {}", FIELDS.join(", ")),
                        ));
                    }
                    if fields.iter().any(|known| known == f) {
                        return Err(bad("fields", format!("names `{f}` twice")));
                    }
                    fields.push(f.to_owned());
                }
                p.fields = Some(fields);
            }
            "formats" => {
                if comma_list(value).count() > 3 {
                    return Err(bad("formats", "lists at most the three formats"));
                }
                for f in comma_list(value) {
                    match f {
                        "html" => p.formats.html = true,
                        "markdown" => p.formats.markdown = true,
                        "plaintext" => p.formats.plaintext = true,
                        _ => return Err(bad("formats", "must list html, markdown or plaintext")),
                    }
                }
            }
            other => {
                return Err(bad(
                    other,
                    "is not known (see the OpenAPI document: authors are always embedded, and tags filter by name with `tag`)",
                ));
            }
        }
    }
    if let Some(fields) = &p.fields {
        p.formats.html |= fields.iter().any(|f| f == "html");
        p.formats.markdown |= fields.iter().any(|f| f == "markdown");
        p.formats.plaintext |= fields.iter().any(|f| f == "plaintext");
    }
    p.sort = match (sort, &p.q) {
        (Some(Sort::RELEVANCE), None) => return Err(bad("sort", "`relevance` needs `q`")),
        (Some(s), _) => s,
        (None, Some(_)) => Sort::RELEVANCE,
        (None, None) => Sort::NEWEST,
    };
    if p.page.is_some() && p.cursor.is_some() {
        return Err(bad("cursor", "cannot be combined with `page`"));
    }
    if p.q.is_some() && p.limit > MAX_SEARCH_LIMIT {
        return Err(bad(
            "limit",
            format!("must be at most {MAX_SEARCH_LIMIT} with `q`"),
        ));
    }
    if let (Some(a), Some(b)) = (p.published_after, p.published_before)
        && a >= b
    {
        return Err(bad(
            "published_before",
            "must be later than `published_after`",
        ));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(q: &str) -> String {
        match parse(q) {
            Err(AppError::BadRequest(m)) => m,
            other => panic!("{q}: expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn no_parameters_mean_the_newest_fifteen() {
        let p = parse("").unwrap();
        assert_eq!(p.limit, 15);
        assert_eq!(p.sort, Sort::NEWEST);
        assert_eq!(p.formats, Formats::default());
    }

    #[test]
    fn bad_numbers_are_refused() {
        for q in [
            "limit=0",
            "limit=101",
            "limit=-1",
            "limit=ten",
            "page=0",
            "page=1000001",
            "limit=",
        ] {
            assert!(err(q).contains('`'), "{q}");
        }
    }

    #[test]
    fn repeated_and_unknown_parameters_are_refused() {
        assert!(err("tag=a&tag=b").contains("more than once"));
        assert!(err("metadata.a=1&metadata[a]=2").contains("more than once"));
        assert!(err("tags=a").contains("not known"));
        assert!(err("include=author").contains("not known"));
    }

    #[test]
    fn sorts_come_from_an_allow_list() {
        assert_eq!(
            parse("sort=title").unwrap().sort,
            Sort {
                key: SortKey::Title,
                descending: false
            }
        );
        assert_eq!(
            parse("sort=-updated_at").unwrap().sort,
            Sort {
                key: SortKey::UpdatedAt,
                descending: true
            }
        );
        for q in [
            "sort=id",
            "sort=--title",
            "sort=",
            "sort=-relevance",
            "sort=relevance",
        ] {
            err(q);
        }
        assert_eq!(parse("q=x").unwrap().sort, Sort::RELEVANCE);
        assert_eq!(parse("q=x&sort=-published_at").unwrap().sort, Sort::NEWEST);
    }

    #[test]
    fn dates_take_rfc3339_or_a_plain_date() {
        let p = parse("published_after=2024-01-02&published_before=2024-02-01T10:00:00%2B01:00")
            .unwrap();
        assert_eq!(
            p.published_after.unwrap().to_rfc3339(),
            "2024-01-02T00:00:00+00:00"
        );
        assert_eq!(
            p.published_before.unwrap().to_rfc3339(),
            "2024-02-01T09:00:00+00:00"
        );
        for q in [
            "published_after=yesterday",
            "published_before=2024-13-01",
            "published_after=2024-02-01&published_before=2024-01-01",
        ] {
            err(q);
        }
    }

    #[test]
    fn metadata_parameters_become_containment_documents() {
        let p = parse("metadata.series=intro&metadata[cover][alt]=3").unwrap();
        assert_eq!(p.metadata[0][0], serde_json::json!({"series": "intro"}));
        assert_eq!(p.metadata[0][1], serde_json::json!({"series": ["intro"]}));
        assert_eq!(p.metadata[0].len(), 2);
        assert!(p.metadata[1].contains(&serde_json::json!({"cover": {"alt": 3}})));
        for q in [
            "metadata.=x",
            "metadata..a=x",
            "metadata.a%20b=x",
            "metadata[]=x",
        ] {
            err(q);
        }
    }

    #[test]
    fn fields_and_formats_are_checked_and_combine() {
        let p = parse("fields=id,html&formats=markdown").unwrap();
        assert!(p.formats.html && p.formats.markdown && !p.formats.plaintext);
        err("fields=id,secret");
        err("formats=pdf");
    }

    #[test]
    fn page_and_cursor_exclude_each_other() {
        err("page=2&cursor=abc");
        err("cursor=");
    }
}

/// The documented parameters (the OpenAPI document's, read off
/// [`ListQuery`]) and [`parse`] cannot drift apart: every documented
/// parameter is fed to the parser, and every parameter the parser takes is
/// documented.
#[cfg(test)]
mod documented {
    use super::*;

    /// A value each parameter accepts; a new documented parameter without
    /// one here fails the test.
    fn example(name: &str) -> Option<&'static str> {
        Some(match name {
            "page" => "2",
            "limit" => "10",
            "cursor" => "abc",
            "sort" => "-updated_at",
            "q" => "rust",
            "tag" => "Web dev",
            "author" => "0190c0de-0000-7000-8000-000000000001",
            "status" => "draft",
            "published_after" => "2024-01-01",
            "published_before" => "2025-01-01T00:00:00Z",
            "metadata" => "intro",
            "fields" => "id,title,featured",
            "formats" => "html,markdown",
            _ => return None,
        })
    }

    fn documented() -> Vec<String> {
        let spec = crate::openapi::document();
        spec["paths"]["/api/v1/posts"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn every_documented_parameter_is_parsed() {
        let names = documented();
        assert!(names.len() >= 13, "{names:?}");
        for name in names {
            let value = example(&name).unwrap_or_else(|| panic!("no example for `{name}`"));
            let query = if name == "metadata" {
                format!("metadata.series={value}")
            } else if name == "cursor" {
                // A cursor is not taken with a page, and is checked later.
                "cursor=abc".to_owned()
            } else {
                format!("{name}={}", value.replace(' ', "%20"))
            };
            let parsed = parse(&query);
            assert!(parsed.is_ok(), "{query}: {:?}", parsed.err());
        }
    }

    #[test]
    fn every_parameter_the_parser_takes_is_documented() {
        let names = documented();
        for candidate in [
            "page",
            "limit",
            "cursor",
            "sort",
            "q",
            "tag",
            "author",
            "status",
            "published_after",
            "published_before",
            "fields",
            "formats",
            "include",
            "featured",
            "metadata",
        ] {
            let query = match candidate {
                "metadata" => "metadata.a=1".to_owned(),
                other => format!("{other}={}", example(other).unwrap_or("x")),
            };
            if parse(&query).is_ok() {
                assert!(
                    names.iter().any(|n| n == candidate),
                    "`{candidate}` is parsed but not documented"
                );
            }
        }
    }

    #[test]
    fn every_item_field_can_be_asked_for() {
        let item = crate::openapi::document()["components"]["schemas"]["PostListItem"].clone();
        let summary =
            crate::openapi::document()["components"]["schemas"]["PostSummaryResponse"].clone();
        let mut fields: Vec<String> = Vec::new();
        for schema in [&item, &summary] {
            if let Some(props) = schema["properties"].as_object() {
                fields.extend(props.keys().cloned());
            }
            for part in schema["allOf"].as_array().into_iter().flatten() {
                if let Some(props) = part["properties"].as_object() {
                    fields.extend(props.keys().cloned());
                }
            }
        }
        assert!(fields.len() > 10, "{fields:?}");
        for field in fields.iter().filter(|f| *f != "post") {
            assert!(
                FIELDS.contains(&field.as_str()),
                "`fields` cannot name `{field}`"
            );
        }
    }
}
