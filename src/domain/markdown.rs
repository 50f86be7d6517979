/// A post's Markdown body, stored verbatim. Any text is a valid body except
/// one holding NUL: PostgreSQL `text` cannot store U+0000, so it is refused
/// here as a 422 rather than failing at the database as a 500.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Markdown(String);

pub const NUL_MESSAGE: &str = "must not contain NUL characters (U+0000)";

impl Markdown {
    pub fn parse(raw: String) -> Result<Self, &'static str> {
        if raw.contains('\0') {
            return Err(NUL_MESSAGE);
        }
        Ok(Self(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_any_text_but_nul() {
        let body = "# Hi\n\n\t<b>ok</b> \u{202e}ltr\u{1b}[31m 😀\r\n";
        assert_eq!(Markdown::parse(body.into()).unwrap().as_str(), body);
        assert!(Markdown::parse("a\0b".into()).is_err());
        assert!(Markdown::parse(String::new()).is_ok());
    }
}
