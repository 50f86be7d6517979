//! Password hashing with argon2id at the OWASP minimum parameters
//! (m = 19 MiB, t = 2, p = 1), which is `Argon2::default()`.

use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::distr::{Alphanumeric, SampleString};

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
/// CPU-heavy: call it off the async workers.
pub fn hash(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

/// Checks a password against a stored PHC string. CPU-heavy, like [`hash`].
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Whether a stored hash was made with anything but today's algorithm and
/// parameters (an older default, a weaker setting, argon2i…), so that a
/// successful login should store a fresh hash.
pub fn needs_rehash(phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    let current = Params::default();
    let same_params = Params::try_from(&parsed).is_ok_and(|p| {
        p.m_cost() == current.m_cost()
            && p.t_cost() == current.t_cost()
            && p.p_cost() == current.p_cost()
    });
    let same_kind = parsed.algorithm.as_str() == Algorithm::Argon2id.as_ref()
        && parsed.version == Some(Version::V0x13 as u32);
    !(same_params && same_kind)
}

/// A hash of nothing anyone knows, verified against when an email is
/// unknown so that both failures take the same time.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash(&generate()).unwrap_or_default())
}

/// A random 24-character password for a generated development admin.
pub fn generate() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 24)
}

/// Rules a new password must meet.
pub fn check_strength(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!("must be at least {MIN_PASSWORD_CHARS} characters"));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!("must be at most {MAX_PASSWORD_BYTES} bytes"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery", &h));
        assert!(!verify("wrong horse battery", &h));
        assert!(!verify("x", "not a hash"));
        assert_ne!(h, hash("correct horse battery").unwrap(), "salts differ");
    }

    #[test]
    fn hashes_with_other_parameters_or_algorithms_need_rehashing() {
        assert!(!needs_rehash(&hash("correct horse battery").unwrap()));
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 1, 1, None).unwrap(),
        )
        .hash_password(b"pw")
        .unwrap()
        .to_string();
        assert!(needs_rehash(&weak), "{weak}");
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x13, Params::default())
            .hash_password(b"pw")
            .unwrap()
            .to_string();
        assert!(needs_rehash(&argon2i), "{argon2i}");
        assert!(needs_rehash("not a hash"));
    }

    #[test]
    fn strength_rules() {
        assert!(check_strength("short").is_err());
        assert!(check_strength("long enough!").is_ok());
        assert!(check_strength(&"x".repeat(2000)).is_err());
    }
}
