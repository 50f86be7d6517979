/// A post's tags, in the author's order (the first is the primary tag):
/// trimmed, non-empty, at most 64 characters each, at most 32 of them,
/// without duplicates (the first occurrence wins).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tags(Vec<String>);

pub const MAX_TAGS: usize = 32;
pub const MAX_TAG_CHARS: usize = 64;

impl Tags {
    pub fn parse<I, S>(raw: I) -> Result<Self, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut tags: Vec<String> = Vec::new();
        for tag in raw {
            let tag = tag.as_ref().trim();
            if tag.is_empty() {
                return Err("tags must not be empty".into());
            }
            if tag.chars().count() > MAX_TAG_CHARS {
                return Err(format!("a tag must be at most {MAX_TAG_CHARS} characters"));
            }
            if tag.chars().any(char::is_control) {
                return Err("tags must not contain control characters".into());
            }
            if !tags.iter().any(|t| t == tag) {
                tags.push(tag.to_owned());
            }
        }
        if tags.len() > MAX_TAGS {
            return Err(format!("at most {MAX_TAGS} tags"));
        }
        Ok(Self(tags))
    }

    pub fn into_inner(self) -> Vec<String> {
        self.0
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

/// What one tag name may be, for the OpenAPI document: not blank, no
/// control characters (the same rule as a title's), at most 64 characters.
pub const TAG_PATTERN: &str = super::title::TITLE_PATTERN;

/// The schema of one tag name: the rules of [`Tags::parse`].
pub fn tag_name_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_TAG_CHARS))
        .pattern(Some(TAG_PATTERN))
        .description(Some(
            "1–64 characters, not all blank, no control characters; trimmed.",
        ))
        .build()
}

/// The schema of `tags`: the rules of [`Tags::parse`], so that generated
/// clients and fuzzers know what a valid tag is.
pub fn tags_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, SchemaType, Type};
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(tag_name_schema())
        .max_items(Some(MAX_TAGS))
        .description(Some(
            "At most 32 tags of at most 64 characters, in order: the first is the \
             primary tag. Duplicates are dropped; in an update, `null` clears them.",
        ))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_drops_duplicates() {
        let t = Tags::parse(["rust", " web ", "rust"]).unwrap();
        assert_eq!(t.into_inner(), vec!["rust", "web"]);
    }

    #[test]
    fn rejects_bad_tags() {
        assert!(Tags::parse([""]).is_err());
        assert!(Tags::parse(["a".repeat(65)]).is_err());
        assert!(Tags::parse((0..33).map(|i| i.to_string())).is_err());
    }
}
