//! Turning request bodies (JSON or a Markdown file) into valid posts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::posts::Post;
use crate::domain::metadata::MAX_METADATA_DEPTH;
use crate::domain::{Markdown, Metadata, PostStatus, Slug, Tags, Title, published_at};
use crate::error::{AppError, FieldError};
use crate::render::{Rendered, excerpt};

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

/// The schema of `metadata` in requests, the rules of [`Metadata::parse`]:
/// a JSON object whose keys and strings hold no NUL, nested at most
/// [`MAX_METADATA_DEPTH`] levels. One component per level (`MetadataValue7`
/// … `MetadataValue1`) states the depth bound without a recursive `$ref`
/// that fuzzers would follow past it; the size bound is in the description.
pub struct MetadataInput;

const NO_NUL: &str = r"^[^\u0000]*$";

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
        .pattern(Some(NO_NUL));
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
        .item(ArrayBuilder::new().items(inner.clone()))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property_names(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some(NO_NUL)),
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
                    .pattern(Some(NO_NUL)),
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

/// The schema of `tags`: the rules of [`Tags::parse`], so that generated
/// clients and fuzzers know what a valid tag is.
fn tags_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(crate::domain::tags::MAX_TAG_CHARS))
                .pattern(Some(
                    r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$",
                )),
        )
        .max_items(Some(crate::domain::tags::MAX_TAGS))
        .description(Some(
            "At most 32 tags of at most 64 characters, in order: the first is the \
             primary tag. Duplicates are dropped; in an update, `null` clears them.",
        ))
        .build()
}

/// A partial update: an absent field is kept, `null` clears it (where a
/// field can be cleared), a value replaces it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "A better title", "excerpt": null}))]
pub struct UpdatePostRequest {
    /// A new title (not null).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, min_length = 1, max_length = 300, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$")]
    pub title: Option<Option<String>>,
    /// A new slug (not null).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, max_length = 200, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<Option<String>>,
    /// A new body (not null); the HTML is rendered again.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, pattern = r"^[^\u0000]*$")]
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
    #[schema(value_type = Option<DateTime<Utc>>, nullable)]
    pub published_at: Option<Option<DateTime<Utc>>>,
    /// `null` clears the tags.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = tags_schema)]
    pub tags: Option<Option<Vec<String>>>,
    /// `null` clears the metadata.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<MetadataInput>, nullable)]
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
    pub markdown: Markdown,
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
            slug: slug.to_string(),
            title: self.title.into_inner(),
            custom_excerpt: self.excerpt.is_some(),
            excerpt: self.excerpt.unwrap_or_default(),
            html: String::new(),
            markdown: self.markdown.into_inner(),
            status: self.status.as_str().to_owned(),
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
    /// rendered. Returns every field problem at once.
    pub fn apply(
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
            Some(Some(s)) => post.status = s.as_str().to_owned(),
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
        if post.status == PostStatus::Published.as_str() && post.published_at.is_none() {
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
