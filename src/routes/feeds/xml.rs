//! Text for XML documents: escaped, and stripped of the characters XML 1.0
//! cannot carry at all (control characters break every parser, escaped
//! or not).

/// Escapes `text` for an XML element or attribute value.
pub fn text(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect();
    quick_xml::escape::escape(clean.as_str()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_quotes_are_escaped() {
        assert_eq!(
            text(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;"
        );
    }

    #[test]
    fn characters_xml_forbids_are_dropped() {
        assert_eq!(text("a\u{0}b\u{1b}c\u{FFFF}\td\n"), "abc\td\n");
        assert_eq!(text("ünï 😀"), "ünï 😀");
    }
}
