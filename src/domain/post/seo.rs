//! SEO and presentation fields: `feature_image` (+ `_alt`, `_caption`),
//! `featured`, `meta_title`, `meta_description`, `canonical_url`,
//! `og_image`. The same rules apply to JSON and to front matter.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::db::seo::{Seo, TEXT_FIELDS};
use crate::domain::problems::Problems;

/// A post's SEO and presentation fields, as the API shows them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct SeoFields {
    /// The post's main image: an `http(s)` URL or a path from the site root.
    #[schema(example = "/images/cover.jpg")]
    pub feature_image: Option<String>,
    /// Alternative text for the feature image.
    pub feature_image_alt: Option<String>,
    /// A caption shown with the feature image (plain text).
    pub feature_image_caption: Option<String>,
    /// Whether themes should highlight the post.
    #[schema(required = false)]
    pub featured: bool,
    /// The `<title>` for search engines, when not the post's title.
    pub meta_title: Option<String>,
    /// The meta description for search engines.
    pub meta_description: Option<String>,
    /// The canonical URL, when the post first appeared elsewhere: an absolute `http(s)` URL.
    pub canonical_url: Option<String>,
    /// The image for social cards: an `http(s)` URL or a path from the site root.
    pub og_image: Option<String>,
}

impl From<Seo> for SeoFields {
    fn from(s: Seo) -> Self {
        Self {
            feature_image: s.feature_image,
            feature_image_alt: s.feature_image_alt,
            feature_image_caption: s.feature_image_caption,
            featured: s.featured,
            meta_title: s.meta_title,
            meta_description: s.meta_description,
            canonical_url: s.canonical_url,
            og_image: s.og_image,
        }
    }
}

impl From<SeoFields> for Seo {
    fn from(s: SeoFields) -> Self {
        Self {
            feature_image: s.feature_image,
            feature_image_alt: s.feature_image_alt,
            feature_image_caption: s.feature_image_caption,
            featured: s.featured,
            meta_title: s.meta_title,
            meta_description: s.meta_description,
            canonical_url: s.canonical_url,
            og_image: s.og_image,
        }
    }
}

/// What one text field accepts: its longest value, and whether it is a URL
/// (`Some(true)`: absolute or a path from the site root; `Some(false)`:
/// absolute only).
struct Rule {
    max: usize,
    url: Option<bool>,
    description: &'static str,
}

/// The rules, by field: [`check`] applies them and [`text_schema`] states
/// them in the OpenAPI document.
fn rule(name: &str) -> Rule {
    match name {
        "feature_image" => Rule {
            max: 2_048,
            url: Some(true),
            description: "The post's main image: an `http(s)` URL or a path from the site root.",
        },
        "og_image" => Rule {
            max: 2_048,
            url: Some(true),
            description: "The image for social cards: an `http(s)` URL or a path from the site root.",
        },
        "canonical_url" => Rule {
            max: 2_048,
            url: Some(false),
            description: "The canonical URL, when the post first appeared elsewhere: an absolute `http(s)` URL.",
        },
        "meta_title" => Rule {
            max: 300,
            url: None,
            description: "The `<title>` for search engines, when not the post's title.",
        },
        "meta_description" => Rule {
            max: 1_000,
            url: None,
            description: "The meta description for search engines.",
        },
        "feature_image_alt" => Rule {
            max: 1_000,
            url: None,
            description: "Alternative text for the feature image.",
        },
        _ => Rule {
            max: 1_000,
            url: None,
            description: "A caption shown with the feature image (plain text).",
        },
    }
}

/// The schema of one text field in a request: its rule, and `nullable`
/// in an update (where `null` clears it). Blank is the same as absent.
pub fn text_schema(name: &str, nullable: bool) -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    let rule = rule(name);
    let types = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::new(Type::String)
    };
    let clears = if nullable { " `null` clears it." } else { "" };
    ObjectBuilder::new()
        .schema_type(types)
        .max_length(Some(rule.max))
        .pattern(Some(if rule.url.is_some() {
            r"^\S*$"
        } else {
            r"^[^\u0000]*$"
        }))
        .description(Some(format!(
            "{} At most {} characters; blank is the same as absent.{clears}",
            rule.description, rule.max
        )))
        .build()
}

macro_rules! text_schemas {
    ($($field:ident),*) => {
        $(
            pub fn $field() -> utoipa::openapi::schema::Object {
                text_schema(stringify!($field), false)
            }
        )*
        /// The same, nullable, for updates.
        pub mod nullable {
            $(
                pub fn $field() -> utoipa::openapi::schema::Object {
                    super::text_schema(stringify!($field), true)
                }
            )*
        }
    };
}

/// One schema function per field, for `#[schema(schema_with = …)]`.
pub mod schemas {
    use super::text_schema;
    text_schemas!(
        feature_image,
        feature_image_alt,
        feature_image_caption,
        meta_title,
        meta_description,
        canonical_url,
        og_image
    );
}

/// Checks one text field. Blank means absent; a field that was not
/// blank is stored trimmed.
pub fn check(name: &str, raw: &str) -> Result<Option<String>, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let Rule { max, url, .. } = rule(name);
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if let Some(relative_ok) = url {
        let absolute = url::Url::parse(value)
            .ok()
            .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
        let rooted = relative_ok && value.starts_with('/') && !value.starts_with("//");
        if !(absolute || rooted) || value.chars().any(char::is_whitespace) {
            return Err(if relative_ok {
                "must be an http(s) URL or a path starting with /".into()
            } else {
                "must be an absolute http(s) URL".into()
            });
        }
    }
    Ok(Some(value.to_owned()))
}

/// Fields of a new post: absent ones are empty.
pub fn from_create(
    p: &mut Problems,
    texts: [(&str, Option<String>); 7],
    featured: Option<bool>,
) -> Seo {
    let mut seo = Seo {
        featured: featured.unwrap_or(false),
        ..Seo::default()
    };
    for (name, raw) in texts {
        if let (Some(raw), Some(slot)) = (raw, seo.text_mut(name)) {
            *slot = p.check(name, check(name, &raw)).flatten();
        }
    }
    seo
}

/// A partial update: absent keeps, `null` clears (`featured` to false).
pub fn apply_update(
    p: &mut Problems,
    seo: &mut Seo,
    texts: [(&str, Option<Option<String>>); 7],
    featured: Option<Option<bool>>,
) {
    for (name, change) in texts {
        let checked = match change {
            None => continue,
            Some(None) => Some(None),
            Some(Some(raw)) => p.check(name, check(name, &raw)),
        };
        if let (Some(value), Some(slot)) = (checked, seo.text_mut(name)) {
            *slot = value;
        }
    }
    if let Some(featured) = featured {
        seo.featured = featured.unwrap_or(false);
    }
}

/// Reads the fields from front matter, removing their keys.
pub fn from_front_matter(p: &mut Problems, fm: &mut Map<String, Value>) -> Seo {
    let mut seo = Seo::default();
    for name in TEXT_FIELDS {
        let value = match fm.remove(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => p.check(name, check(name, &s)).flatten(),
            Some(_) => {
                p.push(name, "must be a string");
                None
            }
        };
        if let Some(slot) = seo.text_mut(name) {
            *slot = value;
        }
    }
    seo.featured = match fm.remove("featured") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => b,
        Some(_) => {
            p.push("featured", "must be true or false");
            false
        }
    };
    seo
}

/// Writes the fields that are set into front matter.
pub fn to_front_matter(seo: &Seo, fm: &mut Map<String, Value>) {
    if seo.featured {
        fm.insert("featured".into(), Value::Bool(true));
    }
    for name in TEXT_FIELDS {
        if let Some(v) = seo.text(name) {
            fm.insert(name.into(), Value::String(v.to_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_urls_may_be_absolute_or_rooted_but_canonical_urls_are_absolute() {
        assert!(check("feature_image", "https://cdn.example.com/a.jpg").is_ok());
        assert!(check("feature_image", "/images/a.jpg").is_ok());
        assert!(check("og_image", "javascript:alert(1)").is_err());
        assert!(check("og_image", "//evil.example/a.jpg").is_err());
        assert!(check("feature_image", "images/a.jpg").is_err());
        assert!(check("canonical_url", "/posts/a").is_err());
        assert!(check("canonical_url", "https://example.com/posts/a").is_ok());
        assert!(check("canonical_url", "ftp://example.com/a").is_err());
    }

    #[test]
    fn blank_is_absent_and_long_text_is_refused() {
        assert_eq!(check("meta_title", "  "), Ok(None));
        assert_eq!(check("meta_title", " T "), Ok(Some("T".into())));
        assert!(check("meta_title", &"x".repeat(301)).is_err());
        assert!(check("meta_description", &"x".repeat(1_000)).is_ok());
    }
}
