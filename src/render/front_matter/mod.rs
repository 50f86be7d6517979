//! Front matter the way Hugo, Zola, Jekyll and Astro write it: YAML between
//! `---` lines, TOML between `+++` lines, or a JSON object at the very top
//! (Hugo). Each format is parsed into the same JSON object, so the post
//! model reads one shape whatever the generator.
//!
//! Every format is held to the same cost limits, checked before and after
//! parsing: at most [`MAX_FRONT_MATTER_BYTES`], [`MAX_DEPTH`] levels and
//! [`MAX_NODES`] values, and nothing that expands (YAML anchors and aliases
//! are refused; TOML and JSON have no such thing).

pub mod json;
pub mod toml;
pub mod yaml;

use serde_json::{Map, Value};

/// The largest front matter accepted, checked before it is parsed. Real
/// front matter is a few hundred bytes; this leaves room for long
/// descriptions and taxonomies.
pub const MAX_FRONT_MATTER_BYTES: usize = 64 * 1024;
/// How deep front matter may nest (`extra.params.x` is 3).
pub const MAX_DEPTH: usize = 16;
/// How many values (scalars, lists, mappings) it may hold.
pub const MAX_NODES: usize = 10_000;

/// The syntax a file's front matter is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Yaml,
    Toml,
    Json,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Yaml => "yaml",
            Self::Toml => "toml",
            Self::Json => "json",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "yaml" => Some(Self::Yaml),
            "toml" => Some(Self::Toml),
            "json" => Some(Self::Json),
            _ => None,
        }
    }
}

/// A Markdown file cut into its front matter (if any) and its body.
#[derive(Debug, PartialEq, Eq)]
pub struct Document<'a> {
    /// The front matter's syntax (YAML when there is none).
    pub format: Format,
    pub front_matter: Option<&'a str>,
    pub body: &'a str,
}

impl Document<'_> {
    /// The front matter as a JSON object (empty when there is none).
    pub fn fields(&self) -> Result<Map<String, Value>, String> {
        let Some(text) = self.front_matter else {
            return Ok(Map::new());
        };
        match self.format {
            Format::Yaml => yaml::parse(text),
            Format::Toml => toml::parse(text),
            Format::Json => json::parse(text),
        }
    }
}

/// Splits a document, recognising the format by its first line. A block
/// that is opened but never closed is an error rather than a body:
/// rendering it would turn the front matter into a rule and a heading.
pub fn split(source: &str) -> Result<Document<'_>, String> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    if let Some(doc) = fenced(source, "---", &["---", "..."], Format::Yaml) {
        return doc;
    }
    if let Some(doc) = fenced(source, "+++", &["+++"], Format::Toml) {
        return doc;
    }
    if let Some(doc) = json::split(source) {
        return doc;
    }
    Ok(Document {
        format: Format::Yaml,
        front_matter: None,
        body: source,
    })
}

/// A block between an `open` line and one of the `close` lines.
fn fenced<'a>(
    source: &'a str,
    open: &str,
    close: &[&str],
    format: Format,
) -> Option<Result<Document<'a>, String>> {
    let rest = source.strip_prefix(open)?;
    let rest = rest
        .strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix('\n'))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if close.contains(&content) {
            return Some(Ok(Document {
                format,
                front_matter: Some(&rest[..offset]),
                body: &rest[offset + line.len()..],
            }));
        }
        offset += line.len();
    }
    Some(Err(format!(
        "the {} front matter starting at line 1 is never closed by a `{open}` line",
        format.as_str().to_uppercase()
    )))
}

/// Writes front matter back out in `format`, fences included.
pub fn write(format: Format, fields: &Map<String, Value>) -> String {
    match format {
        Format::Yaml => yaml::write(fields),
        Format::Toml => toml::write(fields),
        Format::Json => json::write(fields),
    }
}

/// Refuses a parsed value that nests deeper or holds more values than the
/// limits allow (YAML checks these while parsing; TOML and JSON after).
pub(crate) fn check_shape(value: &Value) -> Result<(), String> {
    fn walk(value: &Value, depth: usize, nodes: &mut usize) -> Result<(), String> {
        *nodes += 1;
        if *nodes > MAX_NODES {
            return Err(format!("front matter holds more than {MAX_NODES} values"));
        }
        if depth > MAX_DEPTH {
            return Err(format!("front matter nests deeper than {MAX_DEPTH} levels"));
        }
        match value {
            Value::Array(items) => items.iter().try_for_each(|v| walk(v, depth + 1, nodes)),
            Value::Object(map) => map.values().try_for_each(|v| walk(v, depth + 1, nodes)),
            _ => Ok(()),
        }
    }
    walk(value, 0, &mut 0)
}

pub(crate) fn check_size(text: &str) -> Result<(), String> {
    if text.len() > MAX_FRONT_MATTER_BYTES {
        return Err(format!(
            "front matter is larger than {MAX_FRONT_MATTER_BYTES} bytes"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_from_body() {
        let doc = split("---\ntitle: Hi\n---\n# Body\n").unwrap();
        assert_eq!(doc.front_matter, Some("title: Hi\n"));
        assert_eq!(doc.body, "# Body\n");
        assert_eq!(doc.format, Format::Yaml);
    }

    #[test]
    fn handles_crlf_bom_and_dots() {
        let doc = split("\u{feff}---\r\ntitle: Hi\r\n...\r\nbody").unwrap();
        assert_eq!(doc.front_matter, Some("title: Hi\r\n"));
        assert_eq!(doc.body, "body");
    }

    #[test]
    fn no_front_matter_is_all_body() {
        for source in [
            "# Title\n---\nmore",
            "{{< youtube x >}}\n",
            "{% include x %}",
        ] {
            let doc = split(source).unwrap();
            assert_eq!(doc.front_matter, None, "{source}");
            assert_eq!(doc.body, source);
        }
    }

    #[test]
    fn unclosed_front_matter_is_an_error_that_names_the_format() {
        assert!(split("---\ntitle: x\n").unwrap_err().contains("YAML"));
        assert!(split("+++\ntitle = 'x'\n").unwrap_err().contains("TOML"));
        assert!(split("{\n\"title\": \"x\"\n").unwrap_err().contains("JSON"));
    }

    #[test]
    fn recognises_toml_and_json() {
        let doc = split("+++\ntitle = \"Hi\"\n+++\nbody").unwrap();
        assert_eq!(doc.format, Format::Toml);
        assert_eq!(doc.fields().unwrap()["title"], "Hi");
        assert_eq!(doc.body, "body");
        let doc = split("{\n  \"title\": \"Hi\"\n}\nbody").unwrap();
        assert_eq!(doc.format, Format::Json);
        assert_eq!(doc.fields().unwrap()["title"], "Hi");
        assert_eq!(doc.body, "body");
    }

    #[test]
    fn every_format_writes_what_it_parses() {
        let fields: Map<String, Value> = serde_json::from_str(
            r#"{"title": "Hi: \"there\"", "date": "2024-01-31T10:00:00Z", "tags": ["a", "b"],
                "weight": 3, "extra": {"toc": true, "n": 1.5}, "day": "2024-01-31"}"#,
        )
        .unwrap();
        for format in [Format::Yaml, Format::Toml, Format::Json] {
            let out = write(format, &fields);
            let doc = split(&out).unwrap();
            assert_eq!(doc.format, format, "{out}");
            assert_eq!(doc.fields().unwrap(), fields, "{out}");
        }
    }

    #[test]
    fn shape_limits_hold_for_every_format() {
        let deep = format!("a = {}1{}\n", "[".repeat(40), "]".repeat(40));
        assert!(toml::parse(&deep).is_err());
        let deep = format!("{{\"a\": {}1{}}}", "[".repeat(40), "]".repeat(40));
        assert!(json::parse(&deep).is_err());
        let many = (0..11_000)
            .map(|i| format!("k{i} = 1\n"))
            .collect::<String>();
        assert!(toml::parse(&many).is_err());
        let big = format!("title = \"{}\"\n", "x".repeat(MAX_FRONT_MATTER_BYTES));
        assert!(toml::parse(&big).unwrap_err().contains("larger than"));
    }
}
