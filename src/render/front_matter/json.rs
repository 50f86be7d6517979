//! JSON front matter (Hugo): a JSON object at the very top of the file,
//! then the body.

use serde_json::{Map, Value};

use super::{Document, Format, MAX_FRONT_MATTER_BYTES, check_shape, check_size};

/// A leading JSON object, if the file starts with one. Only `{` followed by
/// a key (or `}`) counts, so a body that opens with a shortcode (`{{< … >}}`)
/// or a Liquid tag (`{% … %}`) is not mistaken for front matter.
pub(super) fn split(source: &str) -> Option<Result<Document<'_>, String>> {
    let after = source.strip_prefix('{')?;
    if !after.trim_start().starts_with(['"', '}']) {
        return None;
    }
    // Only the first bytes are read: an object that does not end within
    // them is too large, whatever follows.
    let mut end = source.len().min(MAX_FRONT_MATTER_BYTES + 1);
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    let mut stream = serde_json::Deserializer::from_str(&source[..end]).into_iter::<Value>();
    let parsed = stream.next();
    let offset = stream.byte_offset();
    Some(match parsed {
        Some(Ok(_)) => {
            let rest = &source[offset..];
            let rest = rest
                .strip_prefix("\r\n")
                .or_else(|| rest.strip_prefix('\n'))
                .unwrap_or(rest);
            Ok(Document {
                format: Format::Json,
                front_matter: Some(&source[..offset]),
                body: rest,
            })
        }
        Some(Err(e)) if e.is_eof() && end < source.len() => Err(format!(
            "front matter is larger than {MAX_FRONT_MATTER_BYTES} bytes"
        )),
        Some(Err(e)) if e.is_eof() => {
            Err("the JSON front matter starting at line 1 is never closed by a `}`".into())
        }
        Some(Err(e)) => Err(format!("front matter is not valid JSON: {e}")),
        None => return None,
    })
}

/// Parses the object. serde_json bounds its own recursion (128 levels);
/// the shape check then holds it to the same limits as YAML.
pub fn parse(text: &str) -> Result<Map<String, Value>, String> {
    check_size(text)?;
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("front matter is not valid JSON: {e}"))?;
    check_shape(&value)?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err("front matter must be a JSON object".into()),
    }
}

/// Writes the object, pretty-printed, with a line break before the body.
pub fn write(fields: &Map<String, Value>) -> String {
    let mut text = serde_json::to_string_pretty(fields).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_oversized_object_is_refused_without_reading_it_all() {
        let source = format!(
            "{{\"t\": \"{}\"}}\nbody",
            "x".repeat(MAX_FRONT_MATTER_BYTES)
        );
        let err = super::super::split(&source).unwrap_err();
        assert!(err.contains("larger than"), "{err}");
    }

    #[test]
    fn invalid_json_says_so() {
        let err = super::super::split("{\"title\": nope}\n").unwrap_err();
        assert!(err.contains("not valid JSON"), "{err}");
    }
}
