//! Turning request bodies (JSON or a Markdown file) into valid posts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::posts::Post;
use crate::domain::{Metadata, PostStatus, Slug, Tags, Title};
use crate::error::{AppError, FieldError};
use crate::render;

pub const MAX_EXCERPT_CHARS: usize = 1_000;

/// A new post as JSON.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Hello, world",
    "markdown": "# Hello\n\nMy *first* post.",
    "status": "published",
    "tags": ["intro"],
    "metadata": {"series": "basics"}
}))]
pub struct CreatePostRequest {
    /// 1–300 characters.
    pub title: String,
    /// Lowercase letters, digits and hyphens; derived from the title when absent.
    pub slug: Option<String>,
    /// The Markdown body.
    pub markdown: String,
    /// A summary; derived from the body when absent.
    pub excerpt: Option<String>,
    /// Defaults to `draft`.
    pub status: Option<PostStatus>,
    /// Defaults to now when the post is published.
    pub published_at: Option<DateTime<Utc>>,
    /// At most 32 tags of at most 64 characters; the first is the primary tag.
    pub tags: Option<Vec<String>>,
    /// A JSON object (at most 16 KiB, 8 levels deep) for everything else.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    // SEO and presentation fields: see `SeoFields` for what each holds.
    #[serde(default)]
    pub feature_image: Option<String>,
    #[serde(default)]
    pub feature_image_alt: Option<String>,
    #[serde(default)]
    pub feature_image_caption: Option<String>,
    #[serde(default)]
    pub meta_title: Option<String>,
    #[serde(default)]
    pub meta_description: Option<String>,
    #[serde(default)]
    pub canonical_url: Option<String>,
    #[serde(default)]
    pub og_image: Option<String>,
    pub featured: Option<bool>,
}

/// A partial update: an absent field is kept, `null` clears it (where a
/// field can be cleared), a value replaces it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "A better title", "excerpt": null}))]
pub struct UpdatePostRequest {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub slug: Option<Option<String>>,
    /// A new body; the HTML is rendered again.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub markdown: Option<Option<String>>,
    /// `null` goes back to an excerpt derived from the body.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub excerpt: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<PostStatus>)]
    pub status: Option<Option<PostStatus>>,
    /// `null` clears it (drafts only).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<DateTime<Utc>>, nullable)]
    pub published_at: Option<Option<DateTime<Utc>>>,
    /// `null` clears the tags.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>, nullable)]
    pub tags: Option<Option<Vec<String>>>,
    /// `null` clears the metadata.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Object>, nullable)]
    pub metadata: Option<Option<Value>>,
    // SEO and presentation fields: `null` clears them (`featured` to false).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub feature_image: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub feature_image_alt: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub feature_image_caption: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub meta_title: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub meta_description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub canonical_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub og_image: Option<Option<String>>,
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

/// A post's author-controlled fields, each already valid.
#[derive(Debug, Clone)]
pub struct PostInput {
    pub title: Title,
    pub slug: Option<Slug>,
    pub markdown: String,
    pub excerpt: Option<String>,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub tags: Tags,
    pub metadata: Metadata,
    pub seo: crate::db::seo::Seo,
}

/// Collects every field problem of a request before answering, so the
/// author fixes them all in one round.
#[derive(Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn check<T, E: ToString>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        result
            .map_err(|e| self.0.push(FieldError::new(field, e.to_string())))
            .ok()
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }
}

pub fn parse_excerpt(raw: &str) -> Result<Option<String>, String> {
    let trimmed = raw.trim();
    if trimmed.chars().count() > MAX_EXCERPT_CHARS {
        return Err(format!("must be at most {MAX_EXCERPT_CHARS} characters"));
    }
    Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
}

impl PostInput {
    pub fn from_request(req: CreatePostRequest) -> Result<Self, AppError> {
        let mut p = Problems::default();
        let title = p.check("title", Title::parse(&req.title));
        let slug = match req.slug {
            Some(s) => p.check("slug", Slug::parse(&s)).map(Some),
            None => Some(None),
        };
        let excerpt = p.check(
            "excerpt",
            req.excerpt.as_deref().map(parse_excerpt).transpose(),
        );
        let tags = p.check("tags", Tags::parse(req.tags.unwrap_or_default()));
        let metadata = p.check(
            "metadata",
            Metadata::parse(
                req.metadata
                    .unwrap_or_else(|| Value::Object(Default::default())),
            ),
        );
        let seo = super::seo::from_create(
            &mut p,
            [
                ("feature_image", req.feature_image),
                ("feature_image_alt", req.feature_image_alt),
                ("feature_image_caption", req.feature_image_caption),
                ("meta_title", req.meta_title),
                ("meta_description", req.meta_description),
                ("canonical_url", req.canonical_url),
                ("og_image", req.og_image),
            ],
            req.featured,
        );
        p.finish()?;
        let (Some(title), Some(slug), Some(excerpt), Some(tags), Some(metadata)) =
            (title, slug, excerpt, tags, metadata)
        else {
            return Err(AppError::BadRequest("invalid post".into()));
        };
        Ok(Self {
            title,
            slug,
            markdown: req.markdown,
            excerpt: excerpt.flatten(),
            status: req.status.unwrap_or(PostStatus::Draft),
            published_at: req.published_at,
            tags,
            metadata,
            seo,
        })
    }

    /// Renders the body and builds the row to insert.
    pub fn into_post(self, slug: Slug, author_id: Uuid, now: DateTime<Utc>) -> Post {
        let rendered = render::render(&self.markdown);
        let published_at = match (self.status, self.published_at) {
            (PostStatus::Published, None) => Some(now),
            (_, at) => at,
        };
        Post {
            id: Uuid::now_v7(),
            slug: slug.to_string(),
            title: self.title.into_inner(),
            custom_excerpt: self.excerpt.is_some(),
            excerpt: self.excerpt.unwrap_or_else(|| rendered.excerpt()),
            html: rendered.html.into_inner(),
            markdown: self.markdown,
            status: self.status.as_str().to_owned(),
            published_at,
            tags: self.tags.into_inner(),
            metadata: self.metadata.into_value(),
            author_id,
            created_at: now,
            updated_at: now,
            version: 1,
            seo: self.seo,
        }
    }
}

impl UpdatePostRequest {
    /// Applies the update to a stored post, rendering again when the body
    /// changed. Returns every field problem at once.
    pub fn apply(self, post: &mut Post, now: DateTime<Utc>) -> Result<(), AppError> {
        let mut p = Problems::default();
        let cannot_clear = "cannot be null";
        match self.title {
            Some(Some(t)) => {
                if let Some(t) = p.check("title", Title::parse(&t)) {
                    post.title = t.into_inner();
                }
            }
            Some(None) => p.push("title", cannot_clear),
            None => {}
        }
        match self.slug {
            Some(Some(s)) => {
                if let Some(s) = p.check("slug", Slug::parse(&s)) {
                    post.slug = s.to_string();
                }
            }
            Some(None) => p.push("slug", cannot_clear),
            None => {}
        }
        let mut rerender = false;
        match self.markdown {
            Some(Some(m)) => {
                rerender = m != post.markdown;
                post.markdown = m;
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
                    rerender = true;
                }
                None => {}
            },
            Some(None) => {
                post.custom_excerpt = false;
                rerender = true;
            }
            None => {}
        }
        match self.status {
            Some(Some(s)) => post.status = s.as_str().to_owned(),
            Some(None) => p.push("status", cannot_clear),
            None => {}
        }
        let date_cleared = matches!(self.published_at, Some(None));
        if let Some(at) = self.published_at {
            post.published_at = at;
        }
        if post.status == PostStatus::Published.as_str() && post.published_at.is_none() {
            if date_cleared {
                p.push("published_at", "a published post needs a publication date");
            } else {
                post.published_at = Some(now);
            }
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
        if rerender {
            let rendered = render::render(&post.markdown);
            if !post.custom_excerpt {
                post.excerpt = rendered.excerpt();
            }
            post.html = rendered.html.into_inner();
        }
        post.updated_at = now;
        Ok(())
    }
}
