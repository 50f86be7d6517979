//! A partial update of a post: absent keeps, `null` clears, a value
//! replaces.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use utoipa::ToSchema;

use super::input::parse_excerpt;
use super::seo;
use crate::db::posts::Post;
use crate::domain::metadata::MetadataInput;
use crate::domain::problems::Problems;
use crate::domain::tags::tags_schema;
use crate::domain::{Markdown, Metadata, PostStatus, Slug, Tags, Title, published_at};
use crate::error::AppError;
use crate::render::{Rendered, excerpt};

/// A partial update: an absent field is kept, `null` clears it (where a
/// field can be cleared), a value replaces it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "A better title", "excerpt": null}))]
pub struct UpdatePostRequest {
    /// A new title (not null).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Title)]
    pub title: Option<Option<String>>,
    /// A new slug (not null); the old one keeps working as an alias.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Slug)]
    pub slug: Option<Option<String>>,
    /// A new body (not null); the HTML is rendered again. The limits of
    /// `CreatePostRequest.markdown` apply.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, max_length = 1048576, pattern = r"^[^\u0000]*$")]
    pub markdown: Option<Option<String>>,
    /// `null` goes back to an excerpt derived from the body.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable, max_length = 1000, pattern = r"^[^\u0000]*$")]
    pub excerpt: Option<Option<String>>,
    /// A new status (not null).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = PostStatus)]
    pub status: Option<Option<PostStatus>>,
    /// Years 0000–9999. `null` clears it; a published post then gets the
    /// current time, as on create.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<DateTime<Utc>>, nullable, max_length = 64)]
    pub published_at: Option<Option<DateTime<Utc>>>,
    /// `null` clears the tags.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = tags_schema)]
    pub tags: Option<Option<Vec<String>>>,
    /// `null` clears the metadata.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<MetadataInput>, nullable)]
    pub metadata: Option<Option<Value>>,
    /// The post's main image; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = seo::schemas::nullable::feature_image)]
    pub feature_image: Option<Option<String>>,
    /// Alternative text for the feature image; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = seo::schemas::nullable::feature_image_alt)]
    pub feature_image_alt: Option<Option<String>>,
    /// A caption for the feature image; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = seo::schemas::nullable::feature_image_caption)]
    pub feature_image_caption: Option<Option<String>>,
    /// The `<title>` for search engines; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = seo::schemas::nullable::meta_title)]
    pub meta_title: Option<Option<String>>,
    /// The meta description; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = seo::schemas::nullable::meta_description)]
    pub meta_description: Option<Option<String>>,
    /// The canonical URL; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = seo::schemas::nullable::canonical_url)]
    pub canonical_url: Option<Option<String>>,
    /// The image for social cards; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = seo::schemas::nullable::og_image)]
    pub og_image: Option<Option<String>>,
    /// Whether themes should highlight the post; `null` means false.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<bool>, nullable)]
    pub featured: Option<Option<bool>>,
}

/// Distinguishes a field sent as `null` (`Some(None)`) from an absent one
/// (`None`, through `#[serde(default)]`).
fn present<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

impl UpdatePostRequest {
    /// The new body, if the update brings one: it is rendered before the
    /// update is applied.
    pub fn markdown_to_render(&self) -> Option<String> {
        match &self.markdown {
            Some(Some(m)) => Some(m.clone()),
            _ => None,
        }
    }

    /// Applies the update to a stored post, with its new body (if any) as
    /// rendered. Returns every field problem at once, and then leaves the
    /// post as it was.
    pub fn apply(
        self,
        post: &mut Post,
        now: DateTime<Utc>,
        rendered: Option<Rendered>,
    ) -> Result<(), AppError> {
        let mut changed = post.clone();
        self.apply_to(&mut changed, now, rendered)?;
        *post = changed;
        Ok(())
    }

    fn apply_to(
        self,
        post: &mut Post,
        now: DateTime<Utc>,
        rendered: Option<Rendered>,
    ) -> Result<(), AppError> {
        let mut p = Problems::default();
        let cannot_clear = "cannot be null";
        match self.title {
            Some(Some(t)) => {
                if let Some(t) = p.check("title", Title::parse(&t)) {
                    post.title = t;
                }
            }
            Some(None) => p.push("title", cannot_clear),
            None => {}
        }
        match self.slug {
            Some(Some(s)) => {
                if let Some(s) = p.check("slug", Slug::parse(&s)) {
                    post.slug = s;
                }
            }
            Some(None) => p.push("slug", cannot_clear),
            None => {}
        }
        let mut new_body = false;
        let mut derive_excerpt = false;
        match self.markdown {
            Some(Some(m)) => {
                if let Some(m) = p.check("markdown", Markdown::parse(m)) {
                    new_body = m.as_str() != post.markdown;
                    post.markdown = m.into_inner();
                }
            }
            Some(None) => p.push("markdown", cannot_clear),
            None => {}
        }
        match self.excerpt {
            Some(Some(e)) => match p.check("excerpt", parse_excerpt(&e)) {
                Some(Some(e)) => {
                    post.excerpt = e;
                    post.custom_excerpt = true;
                }
                Some(None) => {
                    post.custom_excerpt = false;
                    derive_excerpt = true;
                }
                None => {}
            },
            Some(None) => {
                post.custom_excerpt = false;
                derive_excerpt = true;
            }
            None => {}
        }
        match self.status {
            Some(Some(s)) => post.status = s,
            Some(None) => p.push("status", cannot_clear),
            None => {}
        }
        match self.published_at {
            Some(Some(at)) => {
                if let Some(at) = p.check("published_at", published_at::parse(at)) {
                    post.published_at = Some(at);
                }
            }
            Some(None) => post.published_at = None,
            None => {}
        }
        // As on create: a published post without a date (never set, or
        // cleared with `null`) is published now.
        if post.status == PostStatus::Published && post.published_at.is_none() {
            post.published_at = Some(now);
        }
        if let Some(tags) = self.tags {
            if let Some(t) = p.check("tags", Tags::parse(tags.unwrap_or_default())) {
                post.tags = t.into_inner();
            }
        }
        if let Some(metadata) = self.metadata {
            let value = metadata.unwrap_or_else(|| Value::Object(Default::default()));
            if let Some(m) = p.check("metadata", Metadata::parse(value)) {
                post.metadata = m.into_value();
            }
        }
        super::seo::apply_update(
            &mut p,
            &mut post.seo,
            [
                ("feature_image", self.feature_image),
                ("feature_image_alt", self.feature_image_alt),
                ("feature_image_caption", self.feature_image_caption),
                ("meta_title", self.meta_title),
                ("meta_description", self.meta_description),
                ("canonical_url", self.canonical_url),
                ("og_image", self.og_image),
            ],
            self.featured,
        );
        p.finish()?;
        match rendered {
            Some(rendered) if new_body => post.set_rendered(rendered),
            None if new_body => {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "a new body arrived without its rendering"
                )));
            }
            _ if derive_excerpt => {
                // The text it is cut from is stored: no render needed.
                post.excerpt = excerpt::derive(&post.plain_text, excerpt::EXCERPT_CHARS);
            }
            _ => {}
        }
        post.updated_at = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use serde_json::json;

    use super::*;
    use crate::domain::post::sample_post;

    fn patch(body: serde_json::Value) -> UpdatePostRequest {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn absent_keeps_null_clears_and_a_value_replaces() {
        let mut post = sample_post(uuid::Uuid::nil());
        patch(json!({"title": "New", "tags": null, "meta_title": "SEO"}))
            .apply(&mut post, Utc::now(), None)
            .unwrap();
        assert_eq!(post.title.as_str(), "New");
        assert!(post.tags.is_empty());
        assert_eq!(post.seo.meta_title.as_deref(), Some("SEO"));
        assert_eq!(post.excerpt, "Mine", "an absent excerpt is kept");
        assert_eq!(post.slug.as_str(), "sample");
    }

    #[test]
    fn clearing_the_excerpt_derives_it_without_a_render() {
        let mut post = sample_post(uuid::Uuid::nil());
        patch(json!({"excerpt": null}))
            .apply(&mut post, Utc::now(), None)
            .unwrap();
        assert!(!post.custom_excerpt);
        assert_eq!(post.excerpt, "Sample Body text.");
    }

    #[test]
    fn every_problem_is_reported_at_once_and_nothing_changes() {
        let mut post = sample_post(uuid::Uuid::nil());
        let before = post.clone();
        let Err(AppError::Validation(fields)) = patch(json!({
            "title": null, "slug": "Not A Slug", "canonical_url": "/relative"
        }))
        .apply(&mut post, Utc::now(), None) else {
            panic!("invalid fields must be a validation problem");
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["title", "slug", "canonical_url"]);
        assert_eq!(post.title, before.title);
        // Valid fields beside invalid ones are not applied either.
        let result = patch(json!({"title": "Fine", "slug": "Not A Slug"})).apply(
            &mut post,
            Utc::now(),
            None,
        );
        assert!(result.is_err());
        assert_eq!(post.title, before.title);
    }

    #[test]
    fn a_new_body_needs_its_rendering() {
        let mut post = sample_post(uuid::Uuid::nil());
        let result = patch(json!({"markdown": "# Other"})).apply(&mut post, Utc::now(), None);
        assert!(matches!(result, Err(AppError::Internal(_))));
        let rendered = crate::render::render("# Other", &Default::default()).unwrap();
        patch(json!({"markdown": "# Other"}))
            .apply(&mut post, Utc::now(), Some(rendered))
            .unwrap();
        assert!(post.html.contains("Other"));
    }

    #[test]
    fn publishing_without_a_date_dates_it_now() {
        let mut post = sample_post(uuid::Uuid::nil());
        let now = Utc::now();
        patch(json!({"status": "published"}))
            .apply(&mut post, now, None)
            .unwrap();
        assert_eq!(post.published_at, Some(now));
    }
}
