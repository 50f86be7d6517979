/// The longest excerpt derived from a post's text, in characters.
pub const EXCERPT_CHARS: usize = 200;

/// Cuts plain text to at most `max` characters at a word boundary, adding
/// an ellipsis when anything was cut. Reads only the words that fit and
/// the first one that does not: an excerpt costs the same for any length
/// of post.
pub fn derive(plain_text: &str, max: usize) -> String {
    let mut head = String::new();
    let mut chars = 0;
    for word in plain_text.split_whitespace() {
        let len = word.chars().count();
        let space = usize::from(!head.is_empty());
        if chars + space + len > max {
            if head.is_empty() {
                // One enormous word: cut it at the character limit instead.
                head = word.chars().take(max).collect();
            }
            let head = head.trim_end_matches(|c: char| c.is_whitespace() || ",;:.-".contains(c));
            return format!("{head}…");
        }
        if space == 1 {
            head.push(' ');
        }
        head.push_str(word);
        chars += space + len;
    }
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_whole() {
        assert_eq!(derive("  hello\n world ", 20), "hello world");
    }

    #[test]
    fn long_text_is_cut_at_a_word() {
        assert_eq!(derive("one two three four", 10), "one two…");
        assert_eq!(derive("one, two three", 5), "one…");
    }

    #[test]
    fn a_single_long_word_is_cut_at_the_limit() {
        assert_eq!(derive(&"é".repeat(30), 10), format!("{}…", "é".repeat(10)));
    }

    /// The excerpt as it was derived before it read only what fits: the
    /// whole text's whitespace collapsed first, then cut.
    fn collapsed_then_cut(plain_text: &str, max: usize) -> String {
        let text = plain_text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() <= max {
            return text;
        }
        let mut cut = 0;
        for (chars_before, (i, c)) in text.char_indices().enumerate() {
            if chars_before > max {
                break;
            }
            if c == ' ' {
                cut = i;
            }
        }
        if cut == 0 {
            cut = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
        }
        let head = text[..cut].trim_end_matches(|c: char| c.is_whitespace() || ",;:.-".contains(c));
        format!("{head}…")
    }

    proptest::proptest! {
        #[test]
        fn reading_only_what_fits_cuts_where_the_whole_text_would(
            text in "[a-cé ,.;:\\-\n\t]{0,120}",
            max in 1usize..40,
        ) {
            proptest::prop_assert_eq!(derive(&text, max), collapsed_then_cut(&text, max));
        }
    }
}
