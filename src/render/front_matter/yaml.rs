//! YAML front matter (Hugo, Jekyll, Astro): parsed under a budget, since
//! YAML is the one format whose aliases can expand a small file into
//! gigabytes.

use serde_json::{Map, Value};

use super::{MAX_DEPTH, MAX_NODES, check_size};

/// Parses front matter YAML into a JSON object. Dates stay strings; the
/// caller decides what each key means.
///
/// What one document can cost is bounded before and while it is parsed:
/// its size, its depth, its number of values, and no anchors or aliases
/// at all. Aliases are how a few kilobytes of YAML expand into gigabytes
/// (one list of 3,000 items referenced 3,000 times), and no generator's
/// front matter needs them.
pub fn parse(yaml: &str) -> Result<Map<String, Value>, String> {
    if yaml.trim().is_empty() {
        return Ok(Map::new());
    }
    check_size(yaml)?;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_aliases = 0;
    budget.max_anchors = 0;
    budget.max_depth = MAX_DEPTH;
    budget.max_nodes = MAX_NODES;
    budget.max_events = 4 * MAX_NODES;
    budget.max_documents = 1;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    let value: Value = serde_saphyr::from_str_with_options(yaml, options).map_err(|e| {
        let message = e.to_string();
        if message.contains("alias") || message.contains("anchor") {
            "front matter may not use YAML anchors or aliases (`&name`, `*name`)".to_owned()
        } else {
            format!("front matter is not valid YAML: {message}")
        }
    })?;
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
    use crate::render::front_matter::MAX_FRONT_MATTER_BYTES;

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
    fn anchors_and_aliases_are_refused_before_they_expand() {
        // The bomb from the security review: one list referenced 3,000 times.
        let items = (0..3_000)
            .map(|i| format!("x{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let refs = (0..3_000).map(|_| "*a").collect::<Vec<_>>().join(", ");
        let bomb = format!("list: &a [{items}]\nboom: [{refs}]\n");
        let err = parse(&bomb).unwrap_err();
        assert!(err.contains("anchors or aliases"), "{err}");
        for small in [
            "a: &x 1\nb: *x\n",
            "a: &x 1\n",
            "base: &b {k: v}\nother:\n  <<: *b\n",
        ] {
            assert!(parse(small).is_err(), "{small}");
        }
    }

    #[test]
    fn oversized_and_overdeep_front_matter_is_refused() {
        let big = format!("title: {}\n", "x".repeat(MAX_FRONT_MATTER_BYTES));
        assert!(parse(&big).unwrap_err().contains("larger than"));
        let deep = format!("a: {}1{}\n", "[".repeat(40), "]".repeat(40));
        assert!(parse(&deep).is_err());
        let many = (0..20_000)
            .map(|i| format!("k{i}: {i}\n"))
            .collect::<String>();
        assert!(many.len() < MAX_FRONT_MATTER_BYTES * 4);
        assert!(parse(&many).is_err());
    }

    #[test]
    fn ordinary_values_keep_their_yaml_meaning() {
        let map = parse("title: Tom & Jerry\nrating: 4.5\ncount: 3\nempty:\nyes_no: yes\nquote: '*not an alias*'\n").unwrap();
        assert_eq!(map["title"], "Tom & Jerry");
        assert_eq!(map["rating"], 4.5);
        assert_eq!(map["count"], 3);
        assert_eq!(map["empty"], Value::Null);
        assert_eq!(map["quote"], "*not an alias*");
    }

    #[test]
    fn writes_what_it_parses() {
        let map = parse("title: 'Hi: there'\ntags:\n- a\n").unwrap();
        let out = write(&map);
        let doc = super::super::split(&out).unwrap();
        assert_eq!(doc.fields().unwrap(), map);
    }
}
