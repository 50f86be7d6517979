use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use pulldown_cmark::{CowStr, Event, MetadataBlockKind, Options, Parser, Tag, TagEnd};
use serde::Serialize;
use url::Url;
use utoipa::ToSchema;

use super::excerpt;
use super::limits::{self, RenderError};
use super::media::{self, MediaIndex, MediaUrls, PostMedia};
use super::sanitize::{Policy, SafeHtml, TASK_DONE, TASK_OPEN, namespaced_id};

/// The version of what [`render`] produces. Bump it whenever the output
/// for the same Markdown changes (a new extension, a policy change, new
/// derived fields): stored posts with an older version are rendered again
/// (`folio rerender`, and a task at start-up).
///
/// 3: ids from content are namespaced (`user-content-…`).
/// 4: images from the media library carry `width`, `height`, `srcset`,
/// `sizes` and `decoding`, and posts record the media they use.
pub const RENDERER_VERSION: i32 = 4;

/// Average adult silent-reading speed for prose, in words per minute.
pub const WORDS_PER_MINUTE: usize = 230;

/// What rendering depends on besides the Markdown itself.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    media_base: Option<Url>,
    media_urls: MediaUrls,
    image_sizes: Arc<str>,
    policy: Arc<Policy>,
}

impl RenderOptions {
    /// `media_base`: relative image and link URLs are resolved against it.
    pub fn new(media_base: Option<Url>) -> Self {
        Self::with_media(media_base, None, media::DEFAULT_SIZES)
    }

    /// Also `public_base`: media library URLs are written under it; and
    /// `image_sizes`: the `sizes` attribute of media images.
    pub fn with_media(
        media_base: Option<Url>,
        public_base: Option<&Url>,
        image_sizes: &str,
    ) -> Self {
        let media_urls = MediaUrls::new(public_base);
        Self {
            policy: Arc::new(Policy::with_media(media_base.clone(), media_urls.clone())),
            media_base,
            media_urls,
            image_sizes: Arc::from(image_sizes),
        }
    }

    pub fn media_base(&self) -> Option<&Url> {
        self.media_base.as_ref()
    }

    /// How media library URLs are recognised and written.
    pub fn media_urls(&self) -> &MediaUrls {
        &self.media_urls
    }
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self::new(None)
    }
}

/// One heading in a table of contents, in document order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct TocEntry {
    /// 1 for `#`, … 6 for `######`.
    #[schema(minimum = 1, maximum = 6, example = 2)]
    pub level: u8,
    /// The heading's text, without markup (escape it when you insert it).
    #[schema(example = "Getting started")]
    pub text: String,
    /// The heading's `id` in the HTML (namespaced with `user-content-`):
    /// link to `#id`.
    #[schema(example = "user-content-getting-started")]
    pub id: String,
}

/// What one Markdown body renders to.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The sanitised HTML fragment.
    pub html: SafeHtml,
    /// The text a reader sees, without markup (for excerpts and search).
    pub plain_text: String,
    /// Every heading, in order.
    pub toc: Vec<TocEntry>,
    /// Words in the text (code blocks excluded).
    pub word_count: usize,
    /// Minutes to read the text, rounded up (0 for no text).
    pub reading_time: usize,
    /// The media items the body (or the feature image) refers to: those
    /// of the index it was rendered with.
    pub media: Vec<PostMedia>,
}

impl Rendered {
    /// An excerpt cut from the text at a word boundary.
    pub fn excerpt(&self) -> String {
        excerpt::derive(&self.plain_text, excerpt::EXCERPT_CHARS)
    }
}

fn parser_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
        // A stray front-matter block in a body must not render as a rule and
        // a setext heading; its events are dropped below.
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
}

/// Renders a Markdown body (front matter already split off) to safe HTML
/// and everything derived from it. A pure function of its arguments.
///
/// Refuses bodies whose cost would not be bounded by their size (see
/// [`limits`]): too deeply nested, or with too many headings.
pub fn render(markdown: &str, options: &RenderOptions) -> Result<Rendered, RenderError> {
    render_with_media(markdown, options, &MediaIndex::default())
}

/// [`render`], with the media items the body may refer to (looked up by
/// the caller from [`media::scan_refs`]).
pub fn render_with_media(
    markdown: &str,
    options: &RenderOptions,
    media: &MediaIndex,
) -> Result<Rendered, RenderError> {
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut in_metadata = false;
    let mut shape = limits::Shape::default();
    for event in Parser::new_ext(markdown, parser_options()) {
        match event {
            Event::Start(Tag::MetadataBlock(MetadataBlockKind::YamlStyle)) => in_metadata = true,
            Event::End(TagEnd::MetadataBlock(_)) => in_metadata = false,
            _ if in_metadata => {}
            other => {
                shape.observe(&other)?;
                events.push(other);
            }
        }
    }
    let toc = add_heading_ids(&mut events);
    let (plain_text, word_count) = plain_text(&events);
    for event in &mut events {
        if let Event::TaskListMarker(done) = event {
            let marker = if *done { TASK_DONE } else { TASK_OPEN };
            *event = Event::Text(CowStr::Borrowed(marker));
        }
    }
    if !media.is_empty() {
        events = media_images(events, options, media);
    }

    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut unsafe_html, events.into_iter());
    Ok(Rendered {
        html: options.policy.clean(&unsafe_html),
        plain_text,
        toc,
        word_count,
        reading_time: word_count.div_ceil(WORDS_PER_MINUTE),
        media: media
            .items()
            .iter()
            .map(|m| m.to_post_media(&options.media_urls))
            .collect(),
    })
}

/// Writes every image whose URL names a known media item as the media
/// `<img>` ([`media::img_html`]); its alt text is the text inside.
fn media_images<'a>(
    events: Vec<Event<'a>>,
    options: &RenderOptions,
    media: &MediaIndex,
) -> Vec<Event<'a>> {
    let mut out = Vec::with_capacity(events.len());
    let mut events = events.into_iter();
    while let Some(event) = events.next() {
        let Event::Start(Tag::Image {
            dest_url, title, ..
        }) = &event
        else {
            out.push(event);
            continue;
        };
        let Some(item) = options
            .media_urls
            .sha256_of(dest_url)
            .and_then(|sha| media.get(sha))
        else {
            out.push(event);
            continue;
        };
        let title = title.to_string();
        let mut alt = String::new();
        let mut depth = 1usize;
        for inner in events.by_ref() {
            match inner {
                Event::Start(Tag::Image { .. }) => depth += 1,
                Event::End(TagEnd::Image) => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Event::Text(t) | Event::Code(t) => alt.push_str(&t),
                Event::SoftBreak | Event::HardBreak => alt.push(' '),
                _ => {}
            }
        }
        out.push(Event::InlineHtml(CowStr::from(media::img_html(
            item,
            &options.media_urls,
            &alt,
            &title,
            &options.image_sizes,
        ))));
    }
    out
}

/// Gives every heading a stable id derived from its text (`## Getting
/// started` → `getting-started`), numbering duplicates; an explicit
/// `{#id}` wins and is never reused by a derived one. Returns the table of
/// contents, whose ids are those of the sanitised HTML (namespaced).
///
/// Linear in the number of headings: each base name remembers the next
/// number to try, so a thousand `## Intro`s do not each retry the numbers
/// the ones before them took.
fn add_heading_ids(events: &mut [Event<'_>]) -> Vec<TocEntry> {
    let mut toc = Vec::new();
    let mut used: HashSet<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { id: Some(id), .. }) => Some(id.to_string()),
            _ => None,
        })
        .collect();
    let mut next_number: HashMap<String, usize> = HashMap::new();
    for i in 0..events.len() {
        let Event::Start(Tag::Heading { level, id, .. }) = &events[i] else {
            continue;
        };
        let level = *level as u8;
        let mut text = String::new();
        for e in &events[i + 1..] {
            match e {
                Event::End(TagEnd::Heading(_)) => break,
                Event::Text(t) | Event::Code(t) => text.push_str(t),
                Event::SoftBreak | Event::HardBreak => text.push(' '),
                _ => {}
            }
        }
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let id = match id {
            Some(id) => id.to_string(),
            None => {
                let base = match slug::slugify(&text) {
                    s if s.is_empty() => "section".to_owned(),
                    s => s,
                };
                let mut id = base.clone();
                if used.contains(&id) {
                    let n = next_number.entry(base.clone()).or_insert(1);
                    loop {
                        id = format!("{base}-{n}");
                        *n += 1;
                        if !used.contains(&id) {
                            break;
                        }
                    }
                }
                used.insert(id.clone());
                if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[i] {
                    *slot = Some(CowStr::from(id.clone()));
                }
                id
            }
        };
        toc.push(TocEntry {
            level,
            text,
            id: namespaced_id(&id).into_owned(),
        });
    }
    toc
}

/// The text a reader sees, its whitespace collapsed to single spaces, and
/// how many words it has.
fn plain_text(events: &[Event<'_>]) -> (String, usize) {
    let mut out = String::new();
    let mut in_code_block = false;
    // Text between raw <script>/<style> tags is not something a reader
    // sees (the sanitiser drops it), so it stays out of excerpts too.
    let mut in_raw_script = false;
    // Alt text describes a picture; it is not part of the prose (and would
    // start excerpts with "Diagram …").
    let mut image_depth = 0usize;
    for e in events {
        match e {
            Event::Start(Tag::Image { .. }) => image_depth += 1,
            Event::End(TagEnd::Image) => image_depth = image_depth.saturating_sub(1),
            _ if image_depth > 0 => {}
            Event::Html(h) | Event::InlineHtml(h) => {
                let lower = h.to_ascii_lowercase();
                if lower.contains("<script") || lower.contains("<style") {
                    in_raw_script = true;
                }
                if lower.contains("</script") || lower.contains("</style") {
                    in_raw_script = false;
                }
            }
            _ if in_raw_script => {}
            Event::Text(t) | Event::Code(t) if !in_code_block => out.push_str(t),
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => {
                in_code_block = false;
                out.push(' ');
            }
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_),
            ) => out.push(' '),
            _ => {}
        }
    }
    let mut text = String::with_capacity(out.len());
    let mut words = 0;
    for word in out.split_whitespace() {
        if words > 0 {
            text.push(' ');
        }
        text.push_str(word);
        words += 1;
    }
    (text, words)
}

#[cfg(test)]
mod tests;
