//! A post's SEO and presentation columns, embedded in the post rows.

use diesel::pg::Pg;

use super::schema::posts;

#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Eq,
    diesel::Queryable,
    diesel::QueryableByName,
    diesel::Selectable,
    diesel::Insertable,
    diesel::AsChangeset,
)]
// `None` is NULL on insert too, not `DEFAULT` (these columns default to
// NULL anyway): the INSERT's text is then always the same, and diesel-async
// keeps it prepared instead of parsing and planning it on every write.
#[diesel(
    table_name = posts,
    check_for_backend(Pg),
    treat_none_as_null = true,
    treat_none_as_default_value = false
)]
pub struct Seo {
    pub feature_image: Option<String>,
    pub feature_image_alt: Option<String>,
    pub feature_image_caption: Option<String>,
    pub featured: bool,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub canonical_url: Option<String>,
    pub og_image: Option<String>,
}

/// The nullable text columns, by name, for code that treats them alike
/// (validation, front matter).
pub const TEXT_FIELDS: [&str; 7] = [
    "feature_image",
    "feature_image_alt",
    "feature_image_caption",
    "meta_title",
    "meta_description",
    "canonical_url",
    "og_image",
];

impl Seo {
    /// One of [`TEXT_FIELDS`], by name.
    pub fn text_mut(&mut self, name: &str) -> Option<&mut Option<String>> {
        Some(match name {
            "feature_image" => &mut self.feature_image,
            "feature_image_alt" => &mut self.feature_image_alt,
            "feature_image_caption" => &mut self.feature_image_caption,
            "meta_title" => &mut self.meta_title,
            "meta_description" => &mut self.meta_description,
            "canonical_url" => &mut self.canonical_url,
            "og_image" => &mut self.og_image,
            _ => return None,
        })
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        match name {
            "feature_image" => self.feature_image.as_deref(),
            "feature_image_alt" => self.feature_image_alt.as_deref(),
            "feature_image_caption" => self.feature_image_caption.as_deref(),
            "meta_title" => self.meta_title.as_deref(),
            "meta_description" => self.meta_description.as_deref(),
            "canonical_url" => self.canonical_url.as_deref(),
            "og_image" => self.og_image.as_deref(),
            _ => None,
        }
    }
}
