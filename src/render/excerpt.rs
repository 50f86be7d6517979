/// The longest excerpt derived from a post's text, in characters.
pub const EXCERPT_CHARS: usize = 200;

/// Cuts plain text to at most `max` characters at a word boundary, adding
/// an ellipsis when anything was cut.
pub fn derive(plain_text: &str, max: usize) -> String {
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
        // One enormous word: cut it at the character limit instead.
        cut = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    }
    let head = text[..cut].trim_end_matches(|c: char| c.is_whitespace() || ",;:.-".contains(c));
    format!("{head}…")
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
}
