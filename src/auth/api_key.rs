//! API keys: `folio_` and 43 base64url characters (256 random bits). The
//! prefix lets secret scanners and people recognise a leaked key, and lets
//! the extractor tell a key from a JWT without trying to decode it.

use super::secret;

pub const PREFIX: &str = "folio_";
/// How much of a key is kept in clear to tell keys apart in lists.
const SHOWN_CHARS: usize = PREFIX.len() + 6;

/// A new key and its shown prefix (e.g. `folio_AbC12x`).
pub fn generate() -> (String, String) {
    let mut key = format!("{PREFIX}{}", secret::generate());
    // A key must never look like a preview token (`folio_pv_…`).
    while super::preview::looks_like_token(&key) {
        key = format!("{PREFIX}{}", secret::generate());
    }
    let shown = key[..SHOWN_CHARS].to_owned();
    (key, shown)
}

pub fn looks_like_key(token: &str) -> bool {
    token.starts_with(PREFIX) && !super::preview::looks_like_token(token)
}

/// The stored form: SHA-256, see [`secret`] for why a fast hash is right.
pub fn digest(key: &str) -> Vec<u8> {
    secret::digest(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_carry_the_prefix_and_256_random_bits() {
        let (key, shown) = generate();
        assert!(looks_like_key(&key));
        assert_eq!(key.len(), PREFIX.len() + 43);
        assert!(key.starts_with(&shown));
        assert_eq!(shown.len(), 12);
        assert!(!looks_like_key("eyJhbGciOiJIUzI1NiJ9.e30.x"));
    }
}
