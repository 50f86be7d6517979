//! TOML front matter (Zola, and Hugo's default) between `+++` lines.
//!
//! TOML has no references, so nothing expands; what a document can cost is
//! its size, checked first, and its nesting, checked by a scan before the
//! parser recurses into it and again on the result.

use serde_json::{Map, Value};

use super::{MAX_DEPTH, check_shape, check_size};

/// Parses TOML into a JSON object. Datetimes become the strings TOML writes
/// for them (`2024-01-31T10:00:00Z`, `2024-01-31`), so dates read the same
/// whichever format they came in.
pub fn parse(text: &str) -> Result<Map<String, Value>, String> {
    check_size(text)?;
    if bracket_depth(text) > MAX_DEPTH {
        return Err(format!("front matter nests deeper than {MAX_DEPTH} levels"));
    }
    let table: ::toml::Table = text.parse().map_err(|e: ::toml::de::Error| {
        format!("front matter is not valid TOML: {}", e.message())
    })?;
    let value = to_json(::toml::Value::Table(table));
    check_shape(&value)?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err("front matter must be a TOML table".into()),
    }
}

/// How deeply `[` and `{` nest outside strings and comments: an upper bound
/// on the parser's recursion, found without recursing.
fn bracket_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '[' | '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '\'' => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    deepest
}

fn to_json(value: ::toml::Value) -> Value {
    match value {
        ::toml::Value::String(s) => Value::String(s),
        ::toml::Value::Integer(i) => Value::from(i),
        ::toml::Value::Float(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(f.to_string())),
        ::toml::Value::Boolean(b) => Value::Bool(b),
        ::toml::Value::Datetime(d) => Value::String(d.to_string()),
        ::toml::Value::Array(items) => Value::Array(items.into_iter().map(to_json).collect()),
        ::toml::Value::Table(table) => {
            Value::Object(table.into_iter().map(|(k, v)| (k, to_json(v))).collect())
        }
    }
}

/// Writes a `+++` block. TOML has no null: null values are left out.
/// Strings that are TOML datetimes are written as datetimes, which read
/// back as the same strings.
pub fn write(fields: &Map<String, Value>) -> String {
    let table: ::toml::Table = fields
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), from_json(v)?)))
        .collect();
    let text = ::toml::to_string(&table).unwrap_or_default();
    format!("+++\n{text}+++\n")
}

fn from_json(value: &Value) -> Option<::toml::Value> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(b) => ::toml::Value::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => ::toml::Value::Integer(i),
            None => ::toml::Value::Float(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => match s.parse::<::toml::value::Datetime>() {
            Ok(d) if d.to_string() == *s => ::toml::Value::Datetime(d),
            _ => ::toml::Value::String(s.clone()),
        },
        Value::Array(items) => ::toml::Value::Array(items.iter().filter_map(from_json).collect()),
        Value::Object(map) => ::toml::Value::Table(
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), from_json(v)?)))
                .collect(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zola_front_matter_reads_as_json() {
        let map = parse(
            "title = \"Hi\"\ndate = 2024-01-31\nupdated = 2024-02-01T10:00:00+01:00\n\
             draft = false\n[taxonomies]\ntags = [\"a\", \"b\"]\n[extra]\ntoc = true\n",
        )
        .unwrap();
        assert_eq!(map["date"], "2024-01-31");
        assert_eq!(map["updated"], "2024-02-01T10:00:00+01:00");
        assert_eq!(map["taxonomies"]["tags"][1], "b");
        assert_eq!(map["extra"]["toc"], true);
    }

    #[test]
    fn errors_say_toml() {
        assert!(parse("title = \n").unwrap_err().contains("not valid TOML"));
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let text = format!(
            "t = \"{}\" # {}\nu = '{}'\n",
            "[".repeat(40),
            "{".repeat(40),
            "[".repeat(40)
        );
        assert!(parse(&text).is_ok());
    }

    #[test]
    fn nulls_are_left_out_and_datetimes_come_back() {
        let fields: Map<String, Value> =
            serde_json::from_str(r#"{"a": null, "date": "2024-01-31", "b": [1, null]}"#).unwrap();
        let out = write(&fields);
        assert!(out.contains("date = 2024-01-31\n"), "{out}");
        let back = parse(out.trim_start_matches("+++\n").trim_end_matches("+++\n")).unwrap();
        assert_eq!(
            Value::Object(back),
            serde_json::json!({"date": "2024-01-31", "b": [1]})
        );
    }
}
