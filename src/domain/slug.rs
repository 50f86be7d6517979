use std::fmt;

/// A post's URL name: lowercase ASCII letters, digits and single hyphens,
/// 1–200 characters. A slug may never look like a UUID, because
/// `/posts/{id_or_slug}` tells the two apart by shape.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    Hash,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub struct Slug(String);

pub const MAX_SLUG_LEN: usize = 200;
/// What [`Slug::parse`] accepts, for the OpenAPI document (which cannot say
/// "not a UUID": that rule is the server's).
pub const SLUG_PATTERN: &str = r"^[a-z0-9]+(-[a-z0-9]+)*$";

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw.is_empty() {
            return Err("must not be empty");
        }
        if raw.len() > MAX_SLUG_LEN {
            return Err("must be at most 200 characters");
        }
        let well_formed = raw.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if !well_formed {
            return Err(
                "must be lowercase letters, digits and single hyphens, not starting or ending with a hyphen",
            );
        }
        if uuid::Uuid::try_parse(raw).is_ok() {
            return Err("must not look like a UUID");
        }
        Ok(Self(raw.to_owned()))
    }

    /// Derives a slug from a title (`"Hello, Wörld!"` → `hello-world`), or
    /// `None` when the title has nothing to make one from.
    pub fn from_title(title: &str) -> Option<Self> {
        let mut slug = slug::slugify(title);
        if slug.len() > MAX_SLUG_LEN {
            slug.truncate(MAX_SLUG_LEN);
            slug = slug.trim_end_matches('-').to_owned();
        }
        Self::parse(&slug).ok()
    }

    /// The same slug with a numeric suffix, for when the derived one is taken.
    pub fn with_suffix(&self, n: u32) -> Self {
        let suffix = format!("-{n}");
        let mut base = self.0.clone();
        base.truncate(MAX_SLUG_LEN - suffix.len());
        Self(format!("{}{suffix}", base.trim_end_matches('-')))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::sql::text_column!(Slug);

impl utoipa::PartialSchema for Slug {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(MAX_SLUG_LEN))
            .pattern(Some(SLUG_PATTERN))
            .description(Some(
                "A URL name: lowercase letters, digits and single hyphens, at most 200 characters, never shaped like a UUID.",
            ))
            .examples(["hello-world"])
            .into()
    }
}

impl utoipa::ToSchema for Slug {}

impl serde::Serialize for Slug {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_lowercase_words_joined_by_hyphens() {
        for ok in ["a", "hello-world", "rust-2024", "x1-y2-z3"] {
            assert!(Slug::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "",
            "Hello",
            "hello world",
            "-a",
            "a-",
            "a--b",
            "ü",
            "a_b",
            "a/b",
            "../etc",
            "550e8400-e29b-41d4-a716-446655440000",
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Slug::parse(&"a".repeat(201)).is_err());
        assert!(Slug::parse(&"a".repeat(200)).is_ok());
    }

    #[test]
    fn derives_from_titles() {
        assert_eq!(
            Slug::from_title("Hello, Wörld!").unwrap().as_str(),
            "hello-world"
        );
        assert_eq!(
            Slug::from_title("  Rust & Diesel: 2.0  ").unwrap().as_str(),
            "rust-diesel-2-0"
        );
        assert!(Slug::from_title("!!!").is_none());
        let long = Slug::from_title(&"word ".repeat(100)).unwrap();
        assert!(long.as_str().len() <= MAX_SLUG_LEN);
    }

    #[test]
    fn the_documented_pattern_is_the_parser() {
        let pattern = regex_lite::Regex::new(SLUG_PATTERN).unwrap();
        for raw in [
            "a",
            "hello-world",
            "x1-y2",
            "Hello",
            "a--b",
            "-a",
            "a-",
            "a b",
            "ü",
        ] {
            assert_eq!(pattern.is_match(raw), Slug::parse(raw).is_ok(), "{raw:?}");
        }
    }

    #[test]
    fn suffixes_stay_within_bounds() {
        let s = Slug::parse(&"a".repeat(200)).unwrap().with_suffix(12);
        assert!(s.as_str().len() <= MAX_SLUG_LEN);
        assert!(s.as_str().ends_with("-12"));
        assert!(Slug::parse(s.as_str()).is_ok());
    }
}
