//! Authentication: the token key and lifetimes, the first admin, login
//! throttling and password hashing.
//!
//! Production (`FOLIO_ENV=production`) asks more: a JWT secret that is not
//! a published sample, both admin variables or neither, and an admin
//! password that passes [`check_bootstrap_password`](super::check_bootstrap_password).
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `FOLIO_JWT_SECRET` | random per process (development) | Token signing key, ≥ 32 bytes; required in production |
//! | `FOLIO_ADMIN_EMAIL` | `admin@localhost` (development) | The first admin, created when no user exists |
//! | `FOLIO_ADMIN_PASSWORD` | generated and printed once (development) | Its password; required with the email in production |
//! | `FOLIO_ACCESS_TOKEN_TTL_SECS` | `900` | Access-token lifetime (30–86400) |
//! | `FOLIO_REFRESH_TOKEN_TTL_SECS` | `2592000` (30 days) | How long a session lasts from login (300–31536000) |
//! | `FOLIO_LOGIN_FREE_FAILURES` | `5` | Failed logins for one account from one address before backing off (1–10000) |
//! | `FOLIO_LOGIN_MAX_FAILURES_PER_ADDRESS` | `50` | Failed logins per client address, any account, before backing off (1–100000) |
//! | `FOLIO_LOGIN_MAX_FAILURES_PER_ACCOUNT` | `100` | Failed logins per account, any address, before backing off (1–100000) |
//! | `FOLIO_LOGIN_WINDOW_SECS` | `900` | Failures older than this are forgotten; the longest back-off (1–86400) |
//! | `FOLIO_MAX_CONCURRENT_HASHES` | CPU cores | Password hashes computed at once per instance (1–1024) |

use std::time::Duration;

use rand::RngCore;

use super::DefaultIs::{Noted, Value, Words};
use super::server::Environment;
use super::{ConfigError, Secret, Variable, Vars, err, variable};

pub const JWT_SECRET: Variable = variable!(
    "FOLIO_JWT_SECRET",
    Words("random per process (development)")
);
pub const ADMIN_EMAIL: Variable =
    variable!("FOLIO_ADMIN_EMAIL", Noted(DEVELOPMENT_ADMIN, "development"));
pub const ADMIN_PASSWORD: Variable = variable!(
    "FOLIO_ADMIN_PASSWORD",
    Words("generated and printed once (development)")
);
pub const ACCESS_TOKEN_TTL_SECS: Variable = variable!("FOLIO_ACCESS_TOKEN_TTL_SECS", Value("900"));
pub const REFRESH_TOKEN_TTL_SECS: Variable =
    variable!("FOLIO_REFRESH_TOKEN_TTL_SECS", Noted("2592000", "30 days"));
pub const LOGIN_FREE_FAILURES: Variable = variable!("FOLIO_LOGIN_FREE_FAILURES", Value("5"));
pub const LOGIN_MAX_FAILURES_PER_ADDRESS: Variable =
    variable!("FOLIO_LOGIN_MAX_FAILURES_PER_ADDRESS", Value("50"));
pub const LOGIN_MAX_FAILURES_PER_ACCOUNT: Variable =
    variable!("FOLIO_LOGIN_MAX_FAILURES_PER_ACCOUNT", Value("100"));
pub const LOGIN_WINDOW_SECS: Variable = variable!("FOLIO_LOGIN_WINDOW_SECS", Value("900"));
pub const MAX_CONCURRENT_HASHES: Variable =
    variable!("FOLIO_MAX_CONCURRENT_HASHES", Words("CPU cores"));

pub const VARIABLES: &[Variable] = &[
    JWT_SECRET,
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ACCESS_TOKEN_TTL_SECS,
    REFRESH_TOKEN_TTL_SECS,
    LOGIN_FREE_FAILURES,
    LOGIN_MAX_FAILURES_PER_ADDRESS,
    LOGIN_MAX_FAILURES_PER_ACCOUNT,
    LOGIN_WINDOW_SECS,
    MAX_CONCURRENT_HASHES,
];

/// The first admin's email in development when none is given.
const DEVELOPMENT_ADMIN: &str = "admin@localhost";

/// Where the first admin's credentials come from.
#[derive(Debug, Clone)]
pub struct AdminBootstrap {
    pub email: String,
    pub password: Secret<String>,
    /// True when Folio made the password up and must show it once.
    pub generated: bool,
}

#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub jwt_secret: Secret<Vec<u8>>,
    /// True when no `FOLIO_JWT_SECRET` was given and a per-process key was made.
    pub jwt_secret_generated: bool,
    pub admin: Option<AdminBootstrap>,
    pub access_token_ttl: Duration,
    /// How long a session (a family of refresh tokens) lasts from login.
    pub refresh_token_ttl: Duration,
    /// Failed logins allowed for one account from one client address, per
    /// client address (any account) and per account (any address), before
    /// each further failure backs off (1 s, 2 s, 4 s… up to `login_window`).
    pub login_free_failures: u32,
    pub login_max_failures_per_address: u32,
    pub login_max_failures_per_account: u32,
    /// Failures older than this are forgotten; the longest back-off.
    pub login_window: Duration,
    /// Password hashes computed at once per instance (19 MiB each).
    pub max_concurrent_hashes: usize,
}

impl AuthConfig {
    pub fn read(vars: &Vars<'_>, env: Environment) -> Result<Self, ConfigError> {
        let production = env == Environment::Production;

        let secret = if production {
            Some(vars.required_var(&JWT_SECRET, "in production")?)
        } else {
            vars.var(&JWT_SECRET)
        };
        let (jwt_secret, jwt_secret_generated) = match secret {
            Some(s) if production && !super::looks_secret(&s) => {
                return Err(err(
                    JWT_SECRET.name,
                    "is a sample from Folio's documentation or has too little variety; \
                     in production use at least 32 random bytes (e.g. `openssl rand -base64 48`)",
                ));
            }
            Some(s) if s.len() >= 32 => (s.into_bytes(), false),
            Some(_) => return Err(err(JWT_SECRET.name, "must be at least 32 bytes")),
            None => {
                let mut key = vec![0u8; 32];
                rand::rng().fill_bytes(&mut key);
                (key, true)
            }
        };

        let admin = match (vars.var(&ADMIN_EMAIL), vars.var(&ADMIN_PASSWORD)) {
            (Some(email), Some(password)) => Some(AdminBootstrap {
                email,
                password: Secret::new(password),
                generated: false,
            }),
            (None, Some(password)) if !production => Some(AdminBootstrap {
                email: DEVELOPMENT_ADMIN.to_owned(),
                password: Secret::new(password),
                generated: false,
            }),
            (None, Some(_)) => {
                return Err(err(
                    ADMIN_EMAIL.name,
                    "is required with FOLIO_ADMIN_PASSWORD in production",
                ));
            }
            (email, None) if !production => Some(AdminBootstrap {
                email: email.unwrap_or_else(|| DEVELOPMENT_ADMIN.to_owned()),
                password: Secret::new(crate::auth::password::generate()),
                generated: true,
            }),
            (Some(_), None) => {
                return Err(err(
                    ADMIN_PASSWORD.name,
                    "is required with FOLIO_ADMIN_EMAIL in production",
                ));
            }
            (None, None) => None,
        };

        if production
            && let Some(admin) = &admin
            && let Err(why) = super::check_bootstrap_password(&admin.email, admin.password.expose())
        {
            return Err(err(ADMIN_PASSWORD.name, why));
        }

        Ok(Self {
            jwt_secret: Secret::new(jwt_secret),
            jwt_secret_generated,
            admin,
            access_token_ttl: vars.secs(&ACCESS_TOKEN_TTL_SECS, 30, 86_400)?,
            refresh_token_ttl: vars.secs(&REFRESH_TOKEN_TTL_SECS, 300, 365 * 86_400)?,
            login_free_failures: vars.var_parsed(&LOGIN_FREE_FAILURES, 1, 10_000)?,
            login_max_failures_per_account: vars.var_parsed(
                &LOGIN_MAX_FAILURES_PER_ACCOUNT,
                1,
                100_000,
            )?,
            login_max_failures_per_address: vars.var_parsed(
                &LOGIN_MAX_FAILURES_PER_ADDRESS,
                1,
                100_000,
            )?,
            login_window: vars.secs(&LOGIN_WINDOW_SECS, 1, 86_400)?,
            max_concurrent_hashes: vars.var_parsed_or(
                &MAX_CONCURRENT_HASHES,
                super::cores(),
                1,
                1_024,
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{PROD_SECRET, test_config as config};

    #[test]
    fn production_requires_a_long_jwt_secret() {
        let e = config(&[("FOLIO_ENV", "production")]).unwrap_err();
        assert_eq!(e.var, "FOLIO_JWT_SECRET");
        let e = config(&[("FOLIO_ENV", "production"), ("FOLIO_JWT_SECRET", "short")]).unwrap_err();
        assert_eq!(e.var, "FOLIO_JWT_SECRET");
        let c = config(&[
            ("FOLIO_ENV", "production"),
            ("FOLIO_JWT_SECRET", PROD_SECRET),
        ])
        .unwrap();
        assert!(c.auth.admin.is_none());
    }

    #[test]
    fn production_refuses_published_and_weak_secrets() {
        for secret in [
            "test-secret-that-is-at-least-32-bytes-long",
            "script-secret-that-is-at-least-32-bytes",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "abcabcabcabcabcabcabcabcabcabcabcabc",
        ] {
            let e =
                config(&[("FOLIO_ENV", "production"), ("FOLIO_JWT_SECRET", secret)]).unwrap_err();
            assert_eq!(e.var, "FOLIO_JWT_SECRET", "{secret}");
            // Development takes them (the tests and scripts use them).
            assert!(config(&[("FOLIO_JWT_SECRET", secret)]).is_ok() || secret.len() < 32);
        }
        assert!(
            config(&[
                ("FOLIO_ENV", "production"),
                ("FOLIO_JWT_SECRET", PROD_SECRET)
            ])
            .is_ok()
        );
    }

    #[test]
    fn production_refuses_weak_bootstrap_passwords() {
        for password in [
            "change-me-please",
            "short",
            "password1234",
            "Password-123",
            "ops@example.com!!x",
            "aaaaaaaaaaaaaaa",
            "abababababababab",
        ] {
            let e = config(&[
                ("FOLIO_ENV", "production"),
                ("FOLIO_JWT_SECRET", PROD_SECRET),
                ("FOLIO_ADMIN_EMAIL", "ops@example.com"),
                ("FOLIO_ADMIN_PASSWORD", password),
            ])
            .unwrap_err();
            assert_eq!(e.var, "FOLIO_ADMIN_PASSWORD", "{password}");
        }
        let ok = config(&[
            ("FOLIO_ENV", "production"),
            ("FOLIO_JWT_SECRET", PROD_SECRET),
            ("FOLIO_ADMIN_EMAIL", "ops@example.com"),
            ("FOLIO_ADMIN_PASSWORD", "tangerine-orbit-7-lantern"),
        ]);
        assert!(ok.is_ok(), "{ok:?}");
        // Development is for trying things out: the README's command works.
        assert!(config(&[("FOLIO_ADMIN_PASSWORD", "change-me-please")]).is_ok());
    }

    #[test]
    fn a_development_admin_password_alone_names_admin_at_localhost() {
        let admin = config(&[("FOLIO_ADMIN_PASSWORD", "chosen-password")])
            .unwrap()
            .auth
            .admin
            .unwrap();
        assert_eq!(admin.email, "admin@localhost");
        assert!(!admin.generated);
        let e = config(&[
            ("FOLIO_ENV", "production"),
            ("FOLIO_JWT_SECRET", PROD_SECRET),
            ("FOLIO_ADMIN_PASSWORD", "chosen-password"),
        ])
        .unwrap_err();
        assert_eq!(e.var, "FOLIO_ADMIN_EMAIL");
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("FOLIO_REFRESH_TOKEN_TTL_SECS", "10"),
            ("FOLIO_LOGIN_MAX_FAILURES_PER_ACCOUNT", "0"),
            ("FOLIO_LOGIN_MAX_FAILURES_PER_ADDRESS", "-1"),
            ("FOLIO_LOGIN_WINDOW_SECS", "forever"),
            ("FOLIO_MAX_CONCURRENT_HASHES", "0"),
        ] {
            let e = config(&[(var, value)]).unwrap_err();
            assert_eq!(e.var, var, "{var}={value}");
        }
    }
}
