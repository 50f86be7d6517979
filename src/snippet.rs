//! Search snippets: a short passage of a hit's text, HTML-escaped, with
//! the words the search matched in `<mark>`.
//!
//! Made here rather than by PostgreSQL's `ts_headline`, which parses and
//! stems every word it is given on every request: over 16 hits that was a
//! third of what a search cost the database. The words are matched the
//! way the search matched them: PostgreSQL hands over the query's lexemes
//! (its own parse of the search, `websearch_to_tsquery`), and each word of
//! the text is lower-cased and stemmed with the same Snowball algorithm as
//! the text-search configuration's dictionary. A configuration without a
//! Snowball stemmer here (`simple`, or a custom one) matches a word equal
//! to a lexeme, or one that starts with all of it but its last letter.

use std::borrow::Cow;

use rust_stemmers::{Algorithm, Stemmer};

/// The most words one fragment of a snippet shows.
pub const FRAGMENT_WORDS: usize = 35;
/// How many fragments a snippet may join: the first match's and the
/// next one past it.
const FRAGMENTS: usize = 2;
/// How many words come before a fragment's first match.
const LEAD_WORDS: usize = 5;
/// Between two fragments.
const DELIMITER: &str = " … ";

/// Marks matches in the words of one text-search configuration.
pub struct Highlighter {
    stemmer: Option<Stemmer>,
}

impl std::fmt::Debug for Highlighter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Highlighter")
            .field("stems", &self.stemmer.is_some())
            .finish()
    }
}

/// The Snowball algorithm behind a built-in PostgreSQL configuration.
fn algorithm(configuration: &str) -> Option<Algorithm> {
    // A configuration may be schema-qualified (`pg_catalog.english`).
    let name = configuration.rsplit('.').next().unwrap_or(configuration);
    Some(match name.to_ascii_lowercase().as_str() {
        "arabic" => Algorithm::Arabic,
        "danish" => Algorithm::Danish,
        "dutch" => Algorithm::Dutch,
        "english" => Algorithm::English,
        "finnish" => Algorithm::Finnish,
        "french" => Algorithm::French,
        "german" => Algorithm::German,
        "greek" => Algorithm::Greek,
        "hungarian" => Algorithm::Hungarian,
        "italian" => Algorithm::Italian,
        "norwegian" => Algorithm::Norwegian,
        "portuguese" => Algorithm::Portuguese,
        "romanian" => Algorithm::Romanian,
        "russian" => Algorithm::Russian,
        "spanish" => Algorithm::Spanish,
        "swedish" => Algorithm::Swedish,
        "tamil" => Algorithm::Tamil,
        "turkish" => Algorithm::Turkish,
        _ => return None,
    })
}

/// The lexemes of a search, from PostgreSQL's text form of its tsquery
/// (`'borrow' & 'checker'`, `'rust' <-> 'lang'`, `!'java'`). Negated
/// lexemes are left out: a hit matched in spite of them, not by them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lexemes(Vec<String>);

impl Lexemes {
    pub fn from_tsquery(text: &str) -> Self {
        let mut found = Vec::new();
        let mut chars = text.chars().peekable();
        let mut negated = false;
        while let Some(c) = chars.next() {
            match c {
                '!' => negated = true,
                '\'' => {
                    // A quote inside a lexeme is doubled, a backslash
                    // escapes the next character.
                    let mut lexeme = String::new();
                    while let Some(c) = chars.next() {
                        match c {
                            '\\' => lexeme.extend(chars.next()),
                            '\'' if chars.peek() == Some(&'\'') => {
                                chars.next();
                                lexeme.push('\'');
                            }
                            '\'' => break,
                            c => lexeme.push(c),
                        }
                    }
                    if !negated && !lexeme.is_empty() && !found.contains(&lexeme) {
                        found.push(lexeme);
                    }
                    negated = false;
                }
                c if c.is_whitespace() => {}
                _ => negated = false,
            }
        }
        Self(found)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One word of the text: where it is, and whether the search matched it.
struct Word {
    start: usize,
    end: usize,
    matched: bool,
}

impl Highlighter {
    /// The highlighter for a PostgreSQL text-search configuration.
    pub fn new(configuration: &str) -> Self {
        Self {
            stemmer: algorithm(configuration).map(Stemmer::create),
        }
    }

    /// Whether `word` (as written) is one the search matched.
    fn matches(&self, word: &str, lexemes: &Lexemes) -> bool {
        // Cheap test first: a stem keeps its word's first two letters, so
        // most words are ruled out before being lower-cased and stemmed.
        // Not a letter outside ASCII: stemmers fold some (`ä` to `a`).
        let mut head = word.chars().map(lower);
        let (a, b) = (head.next(), head.next());
        let same = |w: Option<char>, l: Option<char>| match (w, l) {
            (_, None) => true,
            (Some(w), Some(l)) => w == l || !w.is_ascii(),
            (None, Some(_)) => false,
        };
        let candidate = lexemes.0.iter().any(|l| {
            let mut l = l.chars();
            same(a, l.next()) && same(b, l.next())
        });
        if !candidate {
            return false;
        }
        let lower = word.to_lowercase();
        match &self.stemmer {
            Some(stemmer) => {
                let stem: Cow<'_, str> = stemmer.stem(&lower);
                lexemes.0.iter().any(|l| *l == stem || *l == lower)
            }
            None => lexemes.0.iter().any(|l| {
                let cut = l.char_indices().last().map_or(0, |(i, _)| i);
                *l == lower
                    || (cut >= 3 && lower.starts_with(&l[..cut]) && lower.len() <= l.len() + 2)
            }),
        }
    }

    /// A snippet of `text`: up to [`FRAGMENTS`] passages of up to
    /// [`FRAGMENT_WORDS`] words each, the first starting a few words before
    /// the first match, the next at the first match past it; the start of
    /// the text when nothing in it matched. HTML-escaped, matches in
    /// `<mark>`, every run of white space one space.
    ///
    /// Words are read and tested only as far as the last passage needs:
    /// with an early match, most of the text is never looked at.
    pub fn snippet(&self, text: &str, lexemes: &Lexemes) -> String {
        let mut found = Words {
            words: Vec::with_capacity(2 * FRAGMENT_WORDS),
            from: words(text),
            text,
            test: |word: &str| !lexemes.is_empty() && self.matches(word, lexemes),
        };
        let mut fragments: Vec<(usize, usize)> = Vec::with_capacity(FRAGMENTS);
        let mut from = 0;
        while fragments.len() < FRAGMENTS {
            let mut i = from;
            let hit = loop {
                match found.get(i) {
                    Some(word) if word.matched => break Some(i),
                    Some(_) => i += 1,
                    None => break None,
                }
            };
            let Some(hit) = hit else {
                break;
            };
            let start = hit.saturating_sub(LEAD_WORDS).max(from);
            let end = start + FRAGMENT_WORDS;
            fragments.push((start, end));
            from = end;
        }
        if fragments.is_empty() {
            fragments.push((0, FRAGMENT_WORDS));
        }
        let mut out = String::with_capacity(FRAGMENTS * FRAGMENT_WORDS * 8);
        for (i, &(start, end)) in fragments.iter().enumerate() {
            // The word after the passage, for its punctuation below.
            found.get(end);
            let end = end.min(found.words.len());
            if start >= end {
                continue;
            }
            if i > 0 {
                out.push_str(DELIMITER);
            }
            let words = &found.words;
            let mut at = words[start].start;
            if start == 0 {
                // What comes before the text's first word (an opening
                // quote or bracket), without the space.
                push_spaced(&mut out, text[..at].trim_start());
            }
            for word in &words[start..end] {
                push_spaced(&mut out, &text[at..word.start]);
                // A word is letters and digits: nothing in it to escape.
                if word.matched {
                    out.push_str("<mark>");
                    out.push_str(&text[word.start..word.end]);
                    out.push_str("</mark>");
                } else {
                    out.push_str(&text[word.start..word.end]);
                }
                at = word.end;
            }
            // What follows the last word up to the next one: its
            // punctuation, without the space.
            let next = words.get(end).map_or(text.len(), |w| w.start);
            push_spaced(&mut out, text[at..next].trim_end());
        }
        out
    }
}

/// The lower case of a letter, as one letter.
fn lower(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

/// The words of a text, read and tested as they are asked for.
struct Words<'a, I, T> {
    words: Vec<Word>,
    from: I,
    text: &'a str,
    test: T,
}

impl<I: Iterator<Item = (usize, usize)>, T: Fn(&str) -> bool> Words<'_, I, T> {
    /// Word `i`, reading up to it; `None` past the last.
    fn get(&mut self, i: usize) -> Option<&Word> {
        while self.words.len() <= i {
            let (start, end) = self.from.next()?;
            let matched = (self.test)(&self.text[start..end]);
            self.words.push(Word {
                start,
                end,
                matched,
            });
        }
        self.words.get(i)
    }
}

/// The byte ranges of the words of `text`: runs of letters and digits.
fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    // Whether the character at `i` is a letter or digit, and its length.
    let alphanumeric = move |i: usize| match bytes[i] {
        b if b.is_ascii() => (b.is_ascii_alphanumeric(), 1),
        _ => text[i..]
            .chars()
            .next()
            .map_or((false, 1), |c| (c.is_alphanumeric(), c.len_utf8())),
    };
    std::iter::from_fn(move || {
        while at < bytes.len() {
            let (is_word, len) = alphanumeric(at);
            if is_word {
                break;
            }
            at += len;
        }
        if at >= bytes.len() {
            return None;
        }
        let start = at;
        while at < bytes.len() {
            let (is_word, len) = alphanumeric(at);
            if !is_word {
                break;
            }
            at += len;
        }
        Some((start, at))
    })
}

/// Appends the text between two words, escaped, white space collapsed.
fn push_spaced(out: &mut String, between: &str) {
    let mut space = false;
    for c in between.chars() {
        if c.is_whitespace() || c.is_control() {
            space = true;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                c => out.push(c),
            }
        }
    }
    if space {
        out.push(' ');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn english(text: &str, query: &str) -> String {
        Highlighter::new("english").snippet(text, &Lexemes::from_tsquery(query))
    }

    #[test]
    fn lexemes_come_from_the_tsquery_text_without_the_negated_ones() {
        assert_eq!(
            Lexemes::from_tsquery("'borrow' & 'checker' & !'java' | 'it''s' <-> 'a\\\\b'"),
            Lexemes(vec![
                "borrow".into(),
                "checker".into(),
                "it's".into(),
                "a\\b".into()
            ])
        );
        assert!(Lexemes::from_tsquery("").is_empty());
    }

    #[test]
    fn stemmed_words_are_marked_and_the_text_escaped() {
        assert_eq!(
            english(
                "Then think about Borrow checkers: 1 < 2 & \"3\".",
                "'borrow' & 'checker'"
            ),
            "Then think about <mark>Borrow</mark> <mark>checkers</mark>: 1 &lt; 2 &amp; &quot;3&quot;."
        );
        // Stems that are not prefixes of their words, and words sharing
        // only a prefix with a lexeme.
        assert_eq!(
            english(
                "Connections, the connected puppies rustle.",
                "'connect' & 'puppi' & 'rust'"
            ),
            "<mark>Connections</mark>, the <mark>connected</mark> <mark>puppies</mark> rustle."
        );
    }

    #[test]
    fn a_fragment_starts_a_few_words_before_its_match_and_a_second_follows() {
        let filler = "word ".repeat(100);
        let text = format!("{filler}one two three four five pangolin {filler}pangolins end");
        let snippet = english(&text, "'pangolin'");
        let (first, second) = snippet.split_once(DELIMITER).unwrap();
        assert!(first.starts_with("one two three four five <mark>pangolin</mark> word"));
        assert_eq!(first.split(' ').count(), FRAGMENT_WORDS);
        assert!(second.starts_with("word word word word word <mark>pangolins</mark> end"));
    }

    #[test]
    fn without_a_match_the_snippet_is_the_start_of_the_text() {
        let text = format!("Start here.\n\n{}", "more ".repeat(100));
        let snippet = english(&text, "'absent'");
        assert!(snippet.starts_with("Start here. more more"), "{snippet}");
        assert_eq!(snippet.split(' ').count(), FRAGMENT_WORDS);
        assert_eq!(english("", "'x'"), "");
    }

    #[test]
    fn hostile_texts_still_give_two_short_passages() {
        // Every word a match: two passages, no more.
        let snippet = english(&"rust ".repeat(5_000), "'rust'");
        assert_eq!(
            snippet.matches("<mark>").count(),
            FRAGMENTS * FRAGMENT_WORDS
        );
        assert_eq!(snippet.matches(DELIMITER).count(), 1);
        // One enormous word, stemmed once; markup-like text escaped.
        let word = "a".repeat(20_000);
        assert_eq!(english(&word, "'aa'").len(), word.len());
        assert_eq!(
            english("<script>alert(1)</script>", "'alert'"),
            "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;"
        );
    }

    #[test]
    fn a_configuration_without_a_stemmer_matches_whole_words() {
        let simple = Highlighter::new("simple");
        let lexemes = Lexemes::from_tsquery("'running'");
        assert_eq!(
            simple.snippet("Running runs", &lexemes),
            "<mark>Running</mark> runs"
        );
        assert_eq!(
            Highlighter::new("pg_catalog.german")
                .snippet("Die Häuser", &Lexemes::from_tsquery("'haus'")),
            "Die <mark>Häuser</mark>"
        );
    }
}
