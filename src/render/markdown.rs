use std::collections::HashSet;

use pulldown_cmark::{CowStr, Event, MetadataBlockKind, Options, Parser, Tag, TagEnd};

use super::excerpt;
use super::sanitize::{SafeHtml, sanitize};

/// What one Markdown body renders to.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The sanitised HTML fragment.
    pub html: SafeHtml,
    /// The text a reader sees, without markup (for excerpts and search).
    pub plain_text: String,
}

impl Rendered {
    /// An excerpt cut from the text at a word boundary.
    pub fn excerpt(&self) -> String {
        excerpt::derive(&self.plain_text, excerpt::EXCERPT_CHARS)
    }
}

fn options() -> Options {
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

/// Renders a Markdown body (front matter already split off) to safe HTML.
pub fn render(markdown: &str) -> Rendered {
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut in_metadata = false;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::MetadataBlock(MetadataBlockKind::YamlStyle)) => in_metadata = true,
            Event::End(TagEnd::MetadataBlock(_)) => in_metadata = false,
            _ if in_metadata => {}
            other => events.push(other),
        }
    }
    add_heading_ids(&mut events);
    let plain_text = plain_text(&events);

    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut unsafe_html, events.into_iter());
    Rendered {
        html: sanitize(&unsafe_html),
        plain_text,
    }
}

/// Gives every heading a stable id derived from its text (`## Getting
/// started` → `getting-started`), numbering duplicates; an explicit
/// `{#id}` wins and is never reused by a derived one.
fn add_heading_ids(events: &mut [Event<'_>]) {
    let mut used: HashSet<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { id: Some(id), .. }) => Some(id.to_string()),
            _ => None,
        })
        .collect();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { id: None, .. }) = &events[i] {
            let mut text = String::new();
            for e in &events[i + 1..] {
                match e {
                    Event::End(TagEnd::Heading(_)) => break,
                    Event::Text(t) | Event::Code(t) => text.push_str(t),
                    _ => {}
                }
            }
            let base = match slug::slugify(&text) {
                s if s.is_empty() => "section".to_owned(),
                s => s,
            };
            let mut id = base.clone();
            let mut n = 1;
            while used.contains(&id) {
                id = format!("{base}-{n}");
                n += 1;
            }
            used.insert(id.clone());
            if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[i] {
                *slot = Some(CowStr::from(id));
            }
        }
        i += 1;
    }
}

fn plain_text(events: &[Event<'_>]) -> String {
    let mut out = String::new();
    let mut in_code_block = false;
    // Text between raw <script>/<style> tags is not something a reader
    // sees (the sanitiser drops it), so it stays out of excerpts too.
    let mut in_raw_script = false;
    for e in events {
        match e {
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
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
