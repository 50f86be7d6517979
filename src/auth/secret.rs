//! Opaque secrets (refresh tokens, API keys) and how they are stored.
//!
//! They are 256 bits from the OS generator, so a single SHA-256 is enough
//! to store them: a slow password hash (argon2) guards against guessing
//! low-entropy human passwords, and no one can enumerate 2^256 values. A
//! plain digest also allows an indexed look-up by hash, which argon2's
//! per-hash salt rules out.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 32 random bytes, base64url without padding (43 characters).
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a secret.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_url_safe() {
        let a = generate();
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_ne!(a, generate());
    }

    #[test]
    fn digests_are_sha256() {
        assert_eq!(digest("a").len(), 32);
        assert_eq!(digest("a"), digest("a"));
        assert_ne!(digest("a"), digest("b"));
    }
}
