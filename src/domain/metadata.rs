use serde_json::{Map, Value};

/// Free-form post metadata (whatever else front matter carries): a JSON
/// object of bounded size and nesting, so one post cannot bloat every list
/// response or exhaust the serializer's stack.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metadata(Map<String, Value>);

pub const MAX_METADATA_BYTES: usize = 16 * 1024;
pub const MAX_METADATA_DEPTH: usize = 8;

impl Metadata {
    pub fn parse(value: Value) -> Result<Self, String> {
        if depth(&value) > MAX_METADATA_DEPTH {
            return Err(format!(
                "must nest at most {MAX_METADATA_DEPTH} levels deep"
            ));
        }
        let size = serde_json::to_vec(&value).map_or(usize::MAX, |v| v.len());
        if size > MAX_METADATA_BYTES {
            return Err(format!(
                "must be at most {MAX_METADATA_BYTES} bytes as JSON"
            ));
        }
        if has_nul(&value) {
            // PostgreSQL `jsonb` refuses `\u0000` in keys and strings.
            return Err(format!(
                "{} in keys or strings",
                super::markdown::NUL_MESSAGE
            ));
        }
        match value {
            Value::Object(map) => Ok(Self(map)),
            _ => Err("must be a JSON object".into()),
        }
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_objects_only() {
        assert!(Metadata::parse(json!({"a": [1, {"b": 2}]})).is_ok());
        assert!(Metadata::parse(json!([1])).is_err());
        assert!(Metadata::parse(json!("x")).is_err());
    }

    #[test]
    fn rejects_nul_in_keys_and_strings_at_any_depth() {
        assert!(Metadata::parse(json!({"a": "x\u{0}"})).is_err());
        assert!(Metadata::parse(json!({"a\u{0}": 1})).is_err());
        assert!(Metadata::parse(json!({"a": [{"b": ["\u{0}"]}]})).is_err());
        assert!(Metadata::parse(json!({"a": "\u{1} \u{202e} 😀"})).is_ok());
    }

    #[test]
    fn bounds_depth_and_size() {
        let mut deep = json!(1);
        for _ in 0..MAX_METADATA_DEPTH {
            deep = json!([deep]);
        }
        assert!(Metadata::parse(json!({ "d": deep })).is_err());
        assert!(Metadata::parse(json!({ "s": "x".repeat(MAX_METADATA_BYTES) })).is_err());
    }
}
