/// A post title: trimmed, non-empty, at most 300 characters, no control characters.
#[derive(
    Debug, Clone, PartialEq, Eq, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub struct Title(String);

pub const MAX_TITLE_CHARS: usize = 300;
/// What [`Title::parse`] accepts, for the OpenAPI document: something that
/// is not blank, and no control characters (the server trims it first).
pub const TITLE_PATTERN: &str = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$";

impl Title {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("must not be empty");
        }
        if trimmed.chars().count() > MAX_TITLE_CHARS {
            return Err("must be at most 300 characters");
        }
        if trimmed.chars().any(char::is_control) {
            return Err("must not contain control characters");
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

super::sql::text_column!(Title);

impl utoipa::PartialSchema for Title {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(MAX_TITLE_CHARS))
            .pattern(Some(TITLE_PATTERN))
            .description(Some(
                "1–300 characters, not all blank, no control characters; surrounding spaces are trimmed.",
            ))
            .examples(["Hello, world"])
            .into()
    }
}

impl utoipa::ToSchema for Title {}

impl serde::Serialize for Title {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds() {
        assert_eq!(Title::parse("  Hi  ").unwrap().as_str(), "Hi");
        assert!(Title::parse("   ").is_err());
        assert!(Title::parse("a\u{0}b").is_err());
        assert!(Title::parse(&"é".repeat(300)).is_ok());
        assert!(Title::parse(&"é".repeat(301)).is_err());
    }

    #[test]
    fn the_documented_pattern_is_the_parser() {
        let pattern = regex_lite::Regex::new(TITLE_PATTERN).unwrap();
        for raw in [
            "Hi",
            "a b",
            "é",
            "   ",
            "",
            "a\u{0}b",
            "a\u{7f}",
            "tab\there",
        ] {
            assert_eq!(pattern.is_match(raw), Title::parse(raw).is_ok(), "{raw:?}");
        }
    }
}
