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

    /// Whether a stored value holds exactly this metadata.
    pub fn is_stored_as(&self, stored: &Value) -> bool {
        stored.as_object() == Some(&self.0)
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

/// The schema of `metadata` in requests, the rules of [`Metadata::parse`]:
/// a JSON object whose keys and strings hold no NUL, nested at most
/// [`MAX_METADATA_DEPTH`] levels. One component per level (`MetadataValue7`
/// … `MetadataValue1`) states the depth bound without a recursive `$ref`
/// that fuzzers would follow past it; the size bound is in the description.
pub struct MetadataInput;

pub(crate) const NO_NUL: &str = r"^[^\u0000]*$";

/// A value inside `metadata` that may itself nest `levels` more levels.
fn metadata_value(levels: usize) -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{
        AnyOfBuilder, ArrayBuilder, ObjectBuilder, Ref, SchemaType, Type,
    };
    let scalar = ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([
            Type::Null,
            Type::Boolean,
            Type::Number,
            Type::String,
        ]))
        .pattern(Some(NO_NUL))
        .max_length(Some(MAX_METADATA_BYTES));
    if levels == 0 {
        return scalar.build().into();
    }
    let inner: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> = if levels == 1 {
        metadata_value(0).into()
    } else {
        Ref::from_schema_name(format!("MetadataValue{}", levels - 1)).into()
    };
    AnyOfBuilder::new()
        .item(scalar)
        // No array within 16 KiB of JSON holds more items than this.
        .item(
            ArrayBuilder::new()
                .items(inner.clone())
                .max_items(Some(MAX_METADATA_BYTES / 2)),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property_names(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some(NO_NUL))
                        .max_length(Some(MAX_METADATA_BYTES)),
                ))
                .additional_properties(Some(inner)),
        )
        .build()
        .into()
}

impl utoipa::PartialSchema for MetadataInput {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Ref, Type};
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property_names(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(NO_NUL))
                    .max_length(Some(MAX_METADATA_BYTES)),
            ))
            .additional_properties(Some(Ref::from_schema_name(format!(
                "MetadataValue{}",
                MAX_METADATA_DEPTH - 1
            ))))
            .description(Some(
                "A JSON object of at most 16 KiB and 8 levels deep; no key or string may hold NUL.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for MetadataInput {
    fn name() -> std::borrow::Cow<'static, str> {
        "Metadata".into()
    }

    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        for levels in 1..MAX_METADATA_DEPTH {
            schemas.push((
                format!("MetadataValue{levels}"),
                metadata_value(levels).into(),
            ));
        }
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
