//! Access tokens: HS256 JWTs pinned to that one algorithm, carrying and
//! checked for `iss`, `aud`, `sub`, `exp`, `nbf`, `iat` and a token type
//! (RFC 8725), so no other kind of token is ever taken for an access token.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::{TOKEN_AUDIENCE, TOKEN_ISSUER};

const ACCESS: &str = "access";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: Uuid,
    pub exp: u64,
    pub nbf: u64,
    pub iat: u64,
    pub typ: String,
    /// The user's `token_version` when issued; a token from before a
    /// password change or disabling no longer matches and is refused.
    #[serde(default)]
    pub ver: i32,
    /// The session (refresh-token family) it belongs to: when that session
    /// ends (logout, refresh-token reuse), the token stops working too.
    pub sid: Uuid,
}

/// What a valid access token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub user: Uuid,
    pub version: i32,
    pub session: Uuid,
}

/// The keys and rules for signing and checking access tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[TOKEN_ISSUER]);
        validation.set_audience(&[TOKEN_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Issues an access token for a user at their current token version,
    /// in one session.
    pub fn issue(&self, user: Uuid, version: i32, session: Uuid) -> anyhow::Result<String> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            iss: TOKEN_ISSUER.into(),
            aud: TOKEN_AUDIENCE.into(),
            sub: user,
            exp: now + self.ttl.as_secs(),
            nbf: now,
            iat: now,
            typ: ACCESS.into(),
            ver: version,
            sid: session,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Checks an access token and returns what it says.
    pub fn verify(&self, token: &str) -> Result<Verified, jsonwebtoken::errors::Error> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)?;
        // jsonwebtoken checks `exp` and `nbf` but not `iat`: a token
        // claiming to be issued in the future was not issued by us.
        let issued_in_future =
            data.claims.iat > jsonwebtoken::get_current_timestamp() + self.validation.leeway;
        if data.claims.typ != ACCESS || issued_in_future {
            return Err(jsonwebtoken::errors::ErrorKind::InvalidToken.into());
        }
        Ok(Verified {
            user: data.claims.sub,
            version: data.claims.ver,
            session: data.claims.sid,
        })
    }
}
