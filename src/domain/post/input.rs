//! A new post, from a JSON request or a Markdown file, as valid values.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::posts::Post;
use crate::domain::metadata::MetadataInput;
use crate::domain::problems::Problems;
use crate::domain::tags::tags_schema;
use crate::domain::{Markdown, Metadata, PostStatus, Slug, Tags, Title, published_at};
use crate::error::AppError;
use crate::render::Rendered;

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
    /// 1–300 characters, not all blank, no control characters.
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub title: String,
    /// Lowercase letters, digits and single hyphens; derived from the title when absent.
    #[schema(max_length = 200, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    /// The Markdown body (any text but NUL).
    #[schema(pattern = r"^[^\u0000]*$")]
    pub markdown: String,
    /// A summary of at most 1,000 characters; derived from the body when absent.
    #[schema(max_length = 1000, pattern = r"^[^\u0000]*$")]
    pub excerpt: Option<String>,
    /// Defaults to `draft`.
    pub status: Option<PostStatus>,
    /// Defaults to now when the post is published; years 0000–9999.
    pub published_at: Option<DateTime<Utc>>,
    /// At most 32 tags of at most 64 characters; the first is the primary tag.
    #[schema(schema_with = tags_schema)]
    pub tags: Option<Vec<String>>,
    /// A JSON object (at most 16 KiB, 8 levels deep, no NUL) for everything else.
    #[schema(value_type = Option<MetadataInput>)]
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

/// A post's author-controlled fields, each already valid.
#[derive(Debug, Clone)]
pub struct PostInput {
    pub title: Title,
    pub slug: Option<Slug>,
    pub markdown: Markdown,
    pub excerpt: Option<String>,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub tags: Tags,
    pub metadata: Metadata,
    pub seo: crate::db::seo::Seo,
}

pub fn parse_excerpt(raw: &str) -> Result<Option<String>, String> {
    let trimmed = raw.trim();
    if trimmed.contains('\0') {
        return Err(crate::domain::markdown::NUL_MESSAGE.into());
    }
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
        let markdown = p.check("markdown", Markdown::parse(req.markdown));
        let published_at = p.check(
            "published_at",
            req.published_at.map(published_at::parse).transpose(),
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
        let (
            Some(title),
            Some(slug),
            Some(markdown),
            Some(published_at),
            Some(excerpt),
            Some(tags),
            Some(metadata),
        ) = (title, slug, markdown, published_at, excerpt, tags, metadata)
        else {
            return Err(AppError::BadRequest("invalid post".into()));
        };
        Ok(Self {
            title,
            slug,
            markdown,
            excerpt: excerpt.flatten(),
            status: req.status.unwrap_or(PostStatus::Draft),
            published_at,
            tags,
            metadata,
            seo,
        })
    }

    /// The body to render before [`into_post`](Self::into_post).
    pub fn markdown(&self) -> &str {
        self.markdown.as_str()
    }

    /// Builds the row to insert, with the body as rendered.
    pub fn into_post(
        self,
        slug: Slug,
        author_id: Uuid,
        now: DateTime<Utc>,
        rendered: Rendered,
    ) -> Post {
        let published_at = match (self.status, self.published_at) {
            (PostStatus::Published, None) => Some(now),
            (_, at) => at,
        };
        let mut post = Post {
            id: Uuid::now_v7(),
            slug,
            title: self.title,
            custom_excerpt: self.excerpt.is_some(),
            excerpt: self.excerpt.unwrap_or_default(),
            html: String::new(),
            markdown: self.markdown.into_inner(),
            status: self.status,
            published_at,
            tags: self.tags.into_inner(),
            metadata: self.metadata.into_value(),
            author_id,
            created_at: now,
            updated_at: now,
            plain_text: String::new(),
            toc: Value::Array(Vec::new()),
            word_count: 0,
            reading_time: 0,
            renderer_version: 0,
            version: 1,
            seo: self.seo,
        };
        post.set_rendered(rendered);
        post
    }
}
