//! Typed configuration, read once at start-up from the environment.
//!
//! Each concern reads its own variables into a small struct: [`server`],
//! [`database`], [`auth`], [`cache`], [`site`], [`limits`],
//! [`webhooks`], [`live`] and [`media`]; each module's
//! documentation lists its variables. [`Config`] is those parts together.
//!
//! A bad value stops start-up with a message naming the variable, so a typo
//! never turns into a silent default. A blank value counts as unset.
//!
//! [`VARIABLES`] lists every variable Folio reads, with its default as
//! written for people. The readers ([`Vars`]) take an entry of that list,
//! not a name, and a number's default is parsed from the entry's text, so
//! the list cannot say one thing while the code does another. `.env.example`,
//! `docs/CONFIGURATION.md` and each module's documentation are checked
//! against the list by the tests in `drift.rs`.

pub mod auth;
pub mod cache;
pub mod database;
pub mod limits;
pub mod live;
pub mod media;
pub mod server;
pub mod site;
pub mod webhooks;

#[cfg(test)]
mod drift;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::render::RenderOptions;

pub use auth::{AdminBootstrap, AuthConfig};
pub use cache::CacheConfig;
pub use database::DatabaseConfig;
pub use limits::LimitsConfig;
pub use live::LiveConfig;
pub use media::MediaConfig;
pub use server::{Environment, LogFormat, ServerConfig};
pub use site::SiteConfig;
pub use webhooks::WebhookConfig;

/// A value that must never reach a log line or a `Debug` dump.
#[derive(Clone)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A configuration error that names the variable at fault.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

fn err(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        message: message.into(),
    }
}

/// One variable Folio reads.
#[derive(Debug, Clone, Copy)]
pub struct Variable {
    pub name: &'static str,
    /// What an unset (or blank) variable means.
    pub default: DefaultIs,
    /// The module that lists it, e.g. `folio::config::server`.
    pub module: &'static str,
    pub read_by: ReadBy,
}

/// A variable's default, as `.env.example` and the documentation give it.
#[derive(Debug, Clone, Copy)]
pub enum DefaultIs {
    /// A value the variable could be set to, with the same effect as
    /// leaving it unset. The readers parse numbers, flags and choices from
    /// it, so this is the only place such a default is written.
    Value(&'static str),
    /// A value, with a note for people: `2592000` (30 days).
    Noted(&'static str, &'static str),
    /// No single value (a random key, the number of cores, none at all).
    Words(&'static str),
}

impl DefaultIs {
    /// The value, when the default is one.
    pub fn value(&self) -> Option<&'static str> {
        match *self {
            Self::Value(v) | Self::Noted(v, _) => Some(v),
            Self::Words(_) => None,
        }
    }

    /// As the documentation's tables write it.
    pub fn text(&self) -> String {
        match *self {
            Self::Value(v) => format!("`{v}`"),
            Self::Noted(v, note) => format!("`{v}` ({note})"),
            Self::Words(words) => words.to_owned(),
        }
    }
}

/// Who reads a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadBy {
    /// [`Config::from_lookup`], for the server and `folio rerender`.
    Config,
    /// tracing's log filter, at start-up.
    Tracing,
    /// `folio import` and `folio export` (clap), which never read `.env`.
    Cli,
}

/// A [`Variable`] listed by the module it is written in.
macro_rules! variable {
    ($name:literal, $default:expr) => {
        variable!($name, $default, $crate::config::ReadBy::Config)
    };
    ($name:literal, $default:expr, $read_by:expr) => {
        $crate::config::Variable {
            name: $name,
            default: $default,
            module: module_path!(),
            read_by: $read_by,
        }
    };
}
use variable;

/// The CLI's variables: its own, but listed here so that the
/// documentation's tables are checked against one list.
pub const CLI_VARIABLES: &[Variable] = &[
    variable!(
        "FOLIO_URL",
        DefaultIs::Value("http://127.0.0.1:8080"),
        ReadBy::Cli
    ),
    variable!("FOLIO_TOKEN", DefaultIs::Words("none"), ReadBy::Cli),
];

const PARTS: &[&[Variable]] = &[
    server::VARIABLES,
    database::VARIABLES,
    auth::VARIABLES,
    cache::VARIABLES,
    site::VARIABLES,
    limits::VARIABLES,
    webhooks::VARIABLES,
    live::VARIABLES,
    media::VARIABLES,
    CLI_VARIABLES,
];

/// Every variable Folio reads: each module's list, then the CLI's.
pub const VARIABLES: &[Variable] = &concat::<{ total(PARTS) }>(PARTS);

const fn total(parts: &[&[Variable]]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < parts.len() {
        n += parts[i].len();
        i += 1;
    }
    n
}

const fn concat<const N: usize>(parts: &[&[Variable]]) -> [Variable; N] {
    const BLANK: Variable = variable!("", DefaultIs::Words(""));
    let mut out = [BLANK; N];
    let (mut i, mut k) = (0, 0);
    while i < parts.len() {
        let mut j = 0;
        while j < parts[i].len() {
            out[k] = parts[i][j];
            k += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

/// The environment, read one listed [`Variable`] at a time (after the
/// registry's `crates_io_env_vars`: `var`, `required_var`, `var_parsed`,
/// `list`), every error naming its variable.
pub struct Vars<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl Vars<'_> {
    /// The value; `None` when unset or blank.
    pub fn var(&self, v: &Variable) -> Option<String> {
        debug_assert!(
            VARIABLES
                .iter()
                .any(|l| l.name == v.name && l.read_by == ReadBy::Config),
            "{} is not listed in config::VARIABLES",
            v.name
        );
        (self.lookup)(v.name).filter(|value| !value.trim().is_empty())
    }

    /// The value, or the default the list gives.
    pub fn var_or_default(&self, v: &Variable) -> String {
        self.var(v).unwrap_or_else(|| documented(v).to_owned())
    }

    /// The value; when unset, an error saying when it is required
    /// (`"in production"`).
    pub fn required_var(&self, v: &Variable, when: &str) -> Result<String, ConfigError> {
        self.var(v)
            .ok_or_else(|| err(v.name, format!("is required {when}")))
    }

    /// A whole number from `min` to `max`; when unset, the listed default.
    pub fn var_parsed<T>(&self, v: &Variable, min: T, max: T) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + fmt::Display,
    {
        bounded(v, &self.var_or_default(v), min, max)
    }

    /// A whole number from `min` to `max`; when unset, `default` (for
    /// defaults the list can only put in words, like the number of cores).
    pub fn var_parsed_or<T>(
        &self,
        v: &Variable,
        default: T,
        min: T,
        max: T,
    ) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + fmt::Display,
    {
        match self.var(v) {
            None => Ok(default),
            Some(value) => bounded(v, &value, min, max),
        }
    }

    /// Whole seconds from `min` to `max`.
    pub fn secs(&self, v: &Variable, min: u64, max: u64) -> Result<Duration, ConfigError> {
        self.var_parsed(v, min, max).map(Duration::from_secs)
    }

    /// Whole milliseconds from `min` to `max`.
    pub fn millis(&self, v: &Variable, min: u64, max: u64) -> Result<Duration, ConfigError> {
        self.var_parsed(v, min, max).map(Duration::from_millis)
    }

    /// `true`/`1` or `false`/`0`.
    pub fn flag(&self, v: &Variable) -> Result<bool, ConfigError> {
        match self.var_or_default(v).as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            other => Err(err(
                v.name,
                format!("expected `true` or `false`, got `{other}`"),
            )),
        }
    }

    /// One of two spellings.
    pub fn choice<T: Copy>(&self, v: &Variable, options: [(&str, T); 2]) -> Result<T, ConfigError> {
        let value = self.var_or_default(v);
        let [(a, _), (b, _)] = options;
        options
            .iter()
            .find(|(spelling, _)| *spelling == value)
            .map(|(_, choice)| *choice)
            .ok_or_else(|| err(v.name, format!("expected `{a}` or `{b}`, got `{value}`")))
    }

    /// A comma-separated list, items trimmed, empty items dropped.
    pub fn list(&self, v: &Variable) -> Vec<String> {
        self.var(v)
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A comma-separated list of networks: CIDR ranges, or single
    /// addresses (a /32 or /128).
    pub fn networks(&self, v: &Variable) -> Result<Vec<ipnet::IpNet>, ConfigError> {
        self.list(v)
            .iter()
            .map(|s| {
                s.parse::<ipnet::IpNet>()
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| err(v.name, format!("`{s}` is not an IP address or CIDR range")))
            })
            .collect()
    }
}

/// The listed default of a variable whose default is a value.
fn documented(v: &Variable) -> &'static str {
    v.default
        .value()
        .unwrap_or_else(|| panic!("{} has no default value to read", v.name))
}

fn bounded<T>(v: &Variable, value: &str, min: T, max: T) -> Result<T, ConfigError>
where
    T: FromStr + PartialOrd + fmt::Display,
{
    match value.trim().parse::<T>() {
        Ok(n) if min <= n && n <= max => Ok(n),
        _ => Err(err(
            v.name,
            format!("expected a whole number from {min} to {max}, got `{value}`"),
        )),
    }
}

/// The default for per-core settings (workers, hashes, renders).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// The issuer and audience every access token carries and must carry back.
pub const TOKEN_ISSUER: &str = "folio";
pub const TOKEN_AUDIENCE: &str = "folio-api";

#[derive(Debug, Clone)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub auth: AuthConfig,
    pub cache: CacheConfig,
    pub site: SiteConfig,
    pub limits: LimitsConfig,
    pub webhooks: WebhookConfig,
    pub live: LiveConfig,
    pub media: MediaConfig,
}

impl Config {
    /// Reads `.env` (when present) and then the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env is normal in production; a malformed one is not.
        if let Err(e) = dotenvy::dotenv()
            && !e.not_found()
        {
            return Err(err(".env", e.to_string()));
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the configuration from any variable lookup (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = Vars { lookup: &lookup };
        let server = ServerConfig::read(&vars)?;
        Ok(Self {
            database: DatabaseConfig::read(&vars)?,
            auth: AuthConfig::read(&vars, server.env)?,
            site: SiteConfig::read(&vars)?,
            cache: CacheConfig::read(&vars)?,
            limits: LimitsConfig::read(&vars)?,
            webhooks: WebhookConfig::read(&vars)?,
            live: LiveConfig::read(&vars)?,
            media: MediaConfig::read(&vars)?,
            server,
        })
    }

    /// What the renderer needs from the configuration.
    pub fn render_options(&self) -> RenderOptions {
        RenderOptions::with_media(
            self.site.media_base_url.clone(),
            Some(&self.server.public_url),
            &self.site.image_sizes,
        )
    }

    /// The absolute public URL of a post, from `FOLIO_POST_URL_PATTERN`.
    pub fn post_url(&self, id: uuid::Uuid, slug: &str) -> String {
        let path = self
            .site
            .post_url_pattern
            .replace("{slug}", slug)
            .replace("{id}", &id.to_string());
        if path.starts_with('/') {
            self.public_link(&path)
        } else {
            path
        }
    }

    /// The public URL of a path, for `Location` headers and absolute links.
    pub fn public_link(&self, path: &str) -> String {
        format!(
            "{}{}",
            self.server.public_url.as_str().trim_end_matches('/'),
            path
        )
    }
}

/// Secrets printed in Folio's own README, scripts and tests. Anyone can
/// read them, so production refuses them (a test keeps this list complete).
pub const PUBLISHED_SAMPLES: &[&str] = &[
    "change-me-please",
    "admin-password-for-tests",
    "test-secret-that-is-at-least-32-bytes-long",
    "script-secret-that-is-at-least-32-bytes",
    "schemathesis-secret-at-least-32-bytes-long",
    "schemathesis-admin-password",
    "load-bench-secret-load-bench-secret-0123456789",
    "load-bench-password-long",
    "bench-password-long",
    "hostile-bench-password",
    "webhooks-bench-secret-0123456789-0123456789",
    "webhooks-bench-password",
    "media-bench-secret-0123456789-0123456789-01",
    "media-bench-password",
    "events-bench-secret-0123456789-0123456789",
    "events-bench-password",
    "a-long-enough-password",
];

/// Passwords every attacker tries first.
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "password1",
    "password123",
    "changeme",
    "admin",
    "administrator",
    "letmein",
    "welcome",
    "qwerty",
    "123456",
    "12345678",
    "1234567890",
    "secret",
    "folio",
];

fn is_published_sample(value: &str) -> bool {
    let value = value.trim();
    PUBLISHED_SAMPLES
        .iter()
        .any(|s| value.eq_ignore_ascii_case(s))
}

/// Whether a JWT secret could be a real one: not a published sample, and
/// not a short pattern repeated (`aaaa…`, `abcabc…`).
fn looks_secret(value: &str) -> bool {
    let distinct: std::collections::HashSet<char> = value.chars().collect();
    !is_published_sample(value) && distinct.len() >= 12
}

/// What production asks of the first admin's password: long, varied, not
/// a published sample or a common password, not the email.
pub fn check_bootstrap_password(email: &str, password: &str) -> Result<(), String> {
    const MIN_CHARS: usize = 12;
    let lower = password.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    let distinct: std::collections::HashSet<char> = lower.chars().collect();
    if password.chars().count() < MIN_CHARS {
        Err(format!(
            "must be at least {MIN_CHARS} characters in production"
        ))
    } else if is_published_sample(password) {
        Err("is a sample from Folio's documentation; choose your own".into())
    } else if COMMON_PASSWORDS.iter().any(|common| {
        // A common password with a few characters around it is still one.
        let letters: String = lower.chars().filter(char::is_ascii_alphanumeric).collect();
        letters.contains(common) && letters.len() < common.len() + 6
    }) {
        Err("is too close to a common password".into())
    } else if !local.is_empty() && lower.contains(&local) {
        Err("must not contain the admin's email name".into())
    } else if distinct.len() < 6 {
        Err("has too little variety".into())
    } else {
        Ok(())
    }
}

/// The configuration from a few variables, the rest unset.
#[cfg(test)]
pub(crate) fn test_config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: std::collections::HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::from_lookup(|k| map.get(k).cloned())
}

/// A JWT secret production accepts.
#[cfg(test)]
const PROD_SECRET: &str = "k3J9x-Qw7Zp2Lm8Vn4Rt6Yb1Hc5Gd0Fs";

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        test_config(vars)
    }

    #[test]
    fn defaults_are_development_ones() {
        let c = config(&[]).unwrap();
        assert_eq!(c.server.env, Environment::Development);
        assert_eq!(c.server.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(c.server.public_url.as_str(), "http://127.0.0.1:8080/");
        assert!(c.auth.jwt_secret_generated);
        assert_eq!(c.auth.jwt_secret.expose().len(), 32);
        let admin = c.auth.admin.unwrap();
        assert_eq!(admin.email, "admin@localhost");
        assert!(admin.generated);
    }

    /// Every secret written in the README, the scripts and the tests is in
    /// the list production refuses.
    #[test]
    fn every_secret_published_in_the_repository_is_refused_in_production() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![root.join("README.md"), root.join(".env.example")];
        for dir in ["scripts", "bench", "tests/api/helpers", "docs"] {
            if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
                files.extend(entries.filter_map(|e| Some(e.ok()?.path())));
            }
        }
        let mut found = Vec::new();
        for file in files {
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            for marker in [
                "FOLIO_JWT_SECRET=",
                "FOLIO_ADMIN_PASSWORD=",
                "ADMIN_PASSWORD=",
                "JWT_SECRET: &str = \"",
                "PASSWORD: &str = \"",
                "PASSWORD=",
            ] {
                for (at, _) in text.match_indices(marker) {
                    let value: String = text[at + marker.len()..]
                        .trim_start_matches('"')
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                        .collect();
                    if value.len() >= 8 && !value.starts_with('$') {
                        found.push((file.display().to_string(), value));
                    }
                }
            }
        }
        assert!(!found.is_empty(), "the scan found nothing: it is broken");
        let unknown: Vec<_> = found
            .iter()
            .filter(|(_, v)| !is_published_sample(v) && !v.starts_with("script-password-"))
            .collect();
        assert!(
            unknown.is_empty(),
            "add these to PUBLISHED_SAMPLES: {unknown:?}"
        );
    }

    #[test]
    fn post_urls_follow_the_pattern() {
        let id = uuid::Uuid::nil();
        let c = config(&[("FOLIO_PUBLIC_URL", "https://example.com/")]).unwrap();
        assert_eq!(c.post_url(id, "hi"), "https://example.com/blog/hi");
        let c = config(&[(
            "FOLIO_POST_URL_PATTERN",
            "https://www.example.com/p/{id}/{slug}",
        )])
        .unwrap();
        assert_eq!(
            c.post_url(id, "hi"),
            "https://www.example.com/p/00000000-0000-0000-0000-000000000000/hi"
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let c = config(&[("FOLIO_JWT_SECRET", "0123456789abcdef0123456789abcdef")]).unwrap();
        let dump = format!("{c:?}");
        assert!(!dump.contains("0123456789abcdef"));
        assert!(!dump.contains(c.auth.admin.unwrap().password.expose().as_str()));
    }
}
