//! What keeps one body's rendering cost proportional to its size.
//!
//! A size limit alone does not bound the work: pulldown-cmark is linear,
//! but html5ever (under the sanitiser) walks its stack of open elements for
//! every block it opens, so N nested blocks cost O(N²) — 20,000 nested
//! quotes took a second, 40,000 nested `<div>`s five. Bodies are therefore
//! refused (a 422 naming `markdown`) when they nest deeper than
//! [`MAX_NESTING`] or carry more than [`MAX_HEADINGS`] headings. Both are far
//! beyond what a real post uses (a few levels; a few dozen headings).

use pulldown_cmark::{Event, Tag};

/// The deepest nesting of Markdown containers (quotes, lists, …) and raw
/// HTML elements together.
pub const MAX_NESTING: usize = 256;
/// The most headings one body may have.
pub const MAX_HEADINGS: usize = 2_000;

/// Why a body is not rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("nests blocks or HTML elements more than {MAX_NESTING} levels deep")]
    TooDeep,
    #[error("has more than {MAX_HEADINGS} headings")]
    TooManyHeadings,
    #[error("took longer than {0} ms to render")]
    TooSlow(u64),
}

/// HTML elements that close themselves or are closed implicitly by the
/// next sibling: they never stack up, whatever an author leaves unclosed.
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead",
    "tbody", "tfoot", "colgroup", "caption", "rb", "rt", "rp", "rtc",
];

/// The shape of a document so far, checked event by event.
#[derive(Debug, Default)]
pub struct Shape {
    markdown_depth: usize,
    html_depth: usize,
    headings: usize,
}

impl Shape {
    pub fn observe(&mut self, event: &Event<'_>) -> Result<(), RenderError> {
        match event {
            Event::Start(tag) => {
                if matches!(tag, Tag::Heading { .. }) {
                    self.headings += 1;
                    if self.headings > MAX_HEADINGS {
                        return Err(RenderError::TooManyHeadings);
                    }
                }
                self.markdown_depth += 1;
            }
            Event::End(_) => self.markdown_depth = self.markdown_depth.saturating_sub(1),
            Event::Html(html) | Event::InlineHtml(html) => self.raw_html(html),
            _ => {}
        }
        if self.markdown_depth + self.html_depth > MAX_NESTING {
            return Err(RenderError::TooDeep);
        }
        Ok(())
    }

    /// Follows the open-element depth of raw HTML with a tag scanner. It
    /// need not be exact (the parser will be, later): it only has to count
    /// every element that can stack.
    fn raw_html(&mut self, html: &str) {
        let bytes = html.as_bytes();
        let mut i = 0;
        while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
            i += offset + 1;
            let closing = bytes.get(i) == Some(&b'/');
            let start = i + usize::from(closing);
            let mut end = start;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'-') {
                end += 1;
            }
            if end == start || !bytes[start].is_ascii_alphabetic() {
                continue;
            }
            let name = html[start..end].to_ascii_lowercase();
            let close = bytes[end..].iter().position(|&b| b == b'>');
            let self_closing = close.is_some_and(|c| c > 0 && bytes[end + c - 1] == b'/');
            i = close.map_or(bytes.len(), |c| end + c + 1);
            if NOT_NESTING.contains(&name.as_str()) || self_closing {
                continue;
            }
            if closing {
                self.html_depth = self.html_depth.saturating_sub(1);
            } else {
                self.html_depth += 1;
                if self.html_depth > MAX_NESTING {
                    // Saturate: the caller refuses the document anyway.
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_of(html: &str) -> usize {
        let mut shape = Shape::default();
        shape.raw_html(html);
        shape.html_depth
    }

    #[test]
    fn raw_html_depth_counts_what_stacks() {
        assert_eq!(depth_of("<div><span>x</span>"), 1);
        assert_eq!(depth_of("<div class=\"a\"><div>"), 2);
        assert_eq!(depth_of("<p>a<p>b<li>c<br><img src=x><hr/>"), 0);
        assert_eq!(depth_of("<custom-el><x-y/>"), 1);
        assert_eq!(depth_of("</div></div>"), 0);
        assert_eq!(depth_of("a < b and 1<2, <!-- c --> <3"), 0);
    }
}
