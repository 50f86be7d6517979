//! YAML front matter, the way Hugo, Jekyll, Astro and Zola keep it:
//! a first line `---`, YAML, then a line `---` (or `...`), then the body.

use serde_json::{Map, Value};

/// A Markdown file cut into its front matter (if any) and its body.
#[derive(Debug, PartialEq, Eq)]
pub struct Document<'a> {
    pub front_matter: Option<&'a str>,
    pub body: &'a str,
}

/// Splits a document. A file whose first line is `---` but that never closes
/// the block is an error rather than a body: rendering it would turn the
/// YAML into a rule and a heading.
pub fn split(source: &str) -> Result<Document<'_>, &'static str> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let Some(rest) = source
        .strip_prefix("---\r\n")
        .or_else(|| source.strip_prefix("---\n"))
    else {
        return Ok(Document {
            front_matter: None,
            body: source,
        });
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if content == "---" || content == "..." {
            return Ok(Document {
                front_matter: Some(&rest[..offset]),
                body: &rest[offset + line.len()..],
            });
        }
        offset += line.len();
    }
    Err("the front matter starting at line 1 is never closed by a `---` line")
}

/// Parses front matter YAML into a JSON object. Dates stay strings; the
/// caller decides what each key means.
pub fn parse(yaml: &str) -> Result<Map<String, Value>, String> {
    if yaml.trim().is_empty() {
        return Ok(Map::new());
    }
    let value: Value =
        yaml_serde::from_str(yaml).map_err(|e| format!("front matter is not valid YAML: {e}"))?;
    match value {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        _ => Err("front matter must be a YAML mapping of keys to values".into()),
    }
}

/// Writes front matter back out as a `---` block.
pub fn write(fields: &Map<String, Value>) -> String {
    let yaml = if fields.is_empty() {
        String::new()
    } else {
        yaml_serde::to_string(fields).unwrap_or_default()
    };
    format!("---\n{yaml}---\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_from_body() {
        let doc = split("---\ntitle: Hi\n---\n# Body\n").unwrap();
        assert_eq!(doc.front_matter, Some("title: Hi\n"));
        assert_eq!(doc.body, "# Body\n");
    }

    #[test]
    fn handles_crlf_bom_and_dots() {
        let doc = split("\u{feff}---\r\ntitle: Hi\r\n...\r\nbody").unwrap();
        assert_eq!(doc.front_matter, Some("title: Hi\r\n"));
        assert_eq!(doc.body, "body");
    }

    #[test]
    fn no_front_matter_is_all_body() {
        let doc = split("# Title\n---\nmore").unwrap();
        assert_eq!(doc.front_matter, None);
        assert_eq!(doc.body, "# Title\n---\nmore");
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        assert!(split("---\ntitle: x\n").is_err());
    }

    #[test]
    fn parses_yaml_into_json() {
        let map = parse("title: Hi\ndate: 2024-01-15\ntags: [a, b]\ndraft: true\n").unwrap();
        assert_eq!(map["title"], "Hi");
        assert_eq!(map["date"], "2024-01-15");
        assert_eq!(map["tags"][1], "b");
        assert_eq!(map["draft"], true);
        assert!(parse("- a\n- b\n").is_err());
        assert!(parse("title: [unclosed\n").is_err());
    }

    #[test]
    fn writes_what_it_parses() {
        let map = parse("title: 'Hi: there'\ntags:\n- a\n").unwrap();
        let out = write(&map);
        let doc = split(&out).unwrap();
        assert_eq!(parse(doc.front_matter.unwrap()).unwrap(), map);
    }
}
