//! A new post, from a JSON request or a Markdown file, as valid values.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::seo;
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
    /// The title.
    #[schema(value_type = Title)]
    pub title: String,
    /// Derived from the title when absent (numbered `-2`, `-3`… when taken);
    /// a slug you choose that is taken is a 409.
    #[schema(value_type = Option<Slug>)]
    pub slug: Option<String>,
    /// The Markdown body: any text but NUL, within the body limit
    /// (`FOLIO_MAX_JSON_BYTES`, 1 MiB by default), at most 256 levels of
    /// nesting and 2,000 headings.
    #[schema(max_length = 1048576, pattern = r"^[^\u0000]*$")]
    pub markdown: String,
    /// A summary of at most 1,000 characters; derived from the body when absent.
    #[schema(max_length = 1000, pattern = r"^[^\u0000]*$")]
    pub excerpt: Option<String>,
    /// Defaults to `draft`.
    pub status: Option<PostStatus>,
    /// Defaults to now when the post is published; years 0000–9999.
    #[schema(max_length = 64)]
    pub published_at: Option<DateTime<Utc>>,
    /// At most 32 tags of at most 64 characters; the first is the primary tag.
    #[schema(schema_with = tags_schema)]
    pub tags: Option<Vec<String>>,
    /// A JSON object (at most 16 KiB, 8 levels deep, no NUL) for everything else.
    #[schema(value_type = Option<MetadataInput>)]
    pub metadata: Option<Value>,
    /// The post's main image: an `http(s)` URL or a path from the site root.
    #[serde(default)]
    #[schema(schema_with = seo::schemas::feature_image)]
    pub feature_image: Option<String>,
    /// Alternative text for the feature image.
    #[serde(default)]
    #[schema(schema_with = seo::schemas::feature_image_alt)]
    pub feature_image_alt: Option<String>,
    /// A caption shown with the feature image.
    #[serde(default)]
    #[schema(schema_with = seo::schemas::feature_image_caption)]
    pub feature_image_caption: Option<String>,
    /// The `<title>` for search engines.
    #[serde(default)]
    #[schema(schema_with = seo::schemas::meta_title)]
    pub meta_title: Option<String>,
    /// The meta description for search engines.
    #[serde(default)]
    #[schema(schema_with = seo::schemas::meta_description)]
    pub meta_description: Option<String>,
    /// The canonical URL: absolute `http(s)`.
    #[serde(default)]
    #[schema(schema_with = seo::schemas::canonical_url)]
    pub canonical_url: Option<String>,
    /// The image for social cards.
    #[serde(default)]
    #[schema(schema_with = seo::schemas::og_image)]
    pub og_image: Option<String>,
    /// Whether themes should highlight the post; defaults to false.
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

    /// The slug the post is written under: the one the author chose, or
    /// one derived from the title.
    pub fn slug_or_derived(&self) -> Slug {
        self.slug.clone().unwrap_or_else(|| {
            Slug::from_title(self.title.as_str())
                .unwrap_or_else(|| Slug::parse("post").expect("a valid slug"))
        })
    }

    /// Whether a stored post already says what this input says, so that
    /// [`replace`](Self::replace) would change nothing a reader sees. What
    /// the input leaves to the server (an excerpt derived from the body, the
    /// date of a published post, the slug) is not compared; neither is the
    /// rendering, which follows from the body.
    pub fn matches(&self, post: &Post) -> bool {
        let excerpt = match &self.excerpt {
            Some(e) => post.custom_excerpt && post.excerpt == *e,
            None => !post.custom_excerpt,
        };
        // PostgreSQL keeps microseconds.
        let date = self.published_at.is_none_or(|at| {
            post.published_at
                .is_some_and(|stored| stored.timestamp_micros() == at.timestamp_micros())
        });
        self.title == post.title
            && self.markdown.as_str() == post.markdown
            && excerpt
            && self.status == post.status
            && date
            && self.tags.as_slice() == post.tags.as_slice()
            && self.metadata.is_stored_as(&post.metadata)
            && self.seo == post.seo
    }

    /// The body to render before [`into_post`](Self::into_post).
    pub fn markdown(&self) -> &str {
        self.markdown.as_str()
    }

    /// Replaces a stored post with this input (`PUT`): every field it
    /// leaves out goes back to its default, except the slug and the
    /// publication date, which are kept when absent. The id, author and
    /// creation time stay.
    pub fn replace(self, post: &mut Post, now: DateTime<Utc>, rendered: Rendered) {
        let slug = self.slug.clone().unwrap_or_else(|| post.slug.clone());
        let keep_date = self.published_at.is_none();
        let mut replaced = self.into_post(slug, post.author_id, now, rendered);
        replaced.id = post.id;
        replaced.created_at = post.created_at;
        replaced.version = post.version;
        if keep_date && post.published_at.is_some() {
            // Re-sending a post without its date must not re-date it.
            replaced.published_at = post.published_at;
        }
        *post = replaced;
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
            media: Value::Array(Vec::new()),
        };
        post.set_rendered(rendered);
        post
    }
}
