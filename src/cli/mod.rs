//! The authoring command line: `folio import <dir>` and `folio export <dir>`
//! talk to a running Folio over its HTTP API, like any other client.

pub mod export;
pub mod import;
pub mod retry;

use anyhow::Context;
use reqwest::{RequestBuilder, Response};

/// Where the server is and how to authenticate to it.
#[derive(Debug, Clone, clap::Args)]
pub struct Remote {
    /// Folio's base URL: `https://…`, or `http://` on this machine (the
    /// token would cross the network in clear otherwise).
    #[arg(long, env = "FOLIO_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// Send the token over plain `http://` to another machine anyway.
    #[arg(long)]
    pub allow_insecure_http: bool,
    /// An API key (`posts:write` to import, `preview:read` to export
    /// drafts) or an access token.
    #[arg(long, env = "FOLIO_TOKEN", hide_env_values = true)]
    pub token: String,
}

/// A small client for the parts of the API the CLI uses.
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    /// When the server last asked to be left alone until: every worker
    /// waits for it, so one 429 slows the whole run instead of each worker
    /// finding out for itself.
    quiet_until: std::sync::Mutex<Option<tokio::time::Instant>>,
}

impl Client {
    /// A client speaking HTTPS (rustls, checking certificates against the
    /// system's roots), or plain HTTP to loopback.
    pub fn new(remote: &Remote) -> anyhow::Result<Self> {
        let url = url::Url::parse(&remote.url).context("FOLIO_URL is not a URL")?;
        let loopback = match url.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback || remote.allow_insecure_http => {}
            "http" => anyhow::bail!(
                "{} is plain HTTP to another machine: the token would travel in clear; \
                 use https:// (or --allow-insecure-http)",
                remote.url
            ),
            other => anyhow::bail!("FOLIO_URL must be http(s), not {other}"),
        }
        install_tls();
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(60))
                .https_only(!loopback && !remote.allow_insecure_http)
                // An old slug answers 301 to another post: the import must
                // see that, not be taken to that post and update it.
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            base: remote.url.trim_end_matches('/').to_owned(),
            token: remote.token.clone(),
            quiet_until: std::sync::Mutex::new(None),
        })
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    /// Sends a request, turning transport failures into errors that say
    /// where the server was expected. A 429 or 503 is tried again as
    /// [`retry::delay`] says; the last answer is returned either way.
    pub async fn send(&self, request: RequestBuilder) -> anyhow::Result<Response> {
        let mut attempt = 0;
        loop {
            let quiet = *self.quiet_until.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(until) = quiet {
                tokio::time::sleep_until(until).await;
            }
            let Some(this_try) = request.try_clone() else {
                // A streamed body cannot be sent twice; the CLI sends none.
                return self.send_once(request).await;
            };
            let res = self.send_once(this_try).await?;
            let Some(wait) = retry::delay(res.status(), res.headers(), attempt) else {
                return Ok(res);
            };
            let until = tokio::time::Instant::now() + wait;
            {
                let mut quiet = self.quiet_until.lock().unwrap_or_else(|e| e.into_inner());
                if quiet.is_none_or(|q| q < until) {
                    *quiet = Some(until);
                }
            }
            attempt += 1;
        }
    }

    async fn send_once(&self, request: RequestBuilder) -> anyhow::Result<Response> {
        request
            .send()
            .await
            .with_context(|| format!("cannot reach Folio at {}", self.base))
    }
}

/// Chooses the TLS implementation for the process (rustls with ring);
/// needed before any HTTP client is built. A second call finds it made.
pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The `detail` (and field errors) of a problem response, for reports.
pub async fn problem_text(res: Response) -> String {
    let status = res.status();
    let body: serde_json::Value = res.json().await.unwrap_or_default();
    describe_problem(status, &body)
}

/// A problem document in one line: status, detail, then each field error.
pub fn describe_problem(status: reqwest::StatusCode, body: &serde_json::Value) -> String {
    let mut text = format!(
        "{} {}",
        status.as_u16(),
        body["detail"]
            .as_str()
            .unwrap_or(status.canonical_reason().unwrap_or(""))
    );
    if let Some(errors) = body["errors"].as_array() {
        for e in errors {
            text.push_str(&format!(
                "; {}: {}",
                e["field"].as_str().unwrap_or("?"),
                e["message"].as_str().unwrap_or("?")
            ));
        }
    }
    text
}
