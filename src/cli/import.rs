//! `folio import <dir>`: bulk-import a Hugo/Jekyll/Astro-style content
//! folder. Idempotent by slug: a post that already says the same is
//! skipped, one that differs is updated, a new one is created.

use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Client, Remote, problem_text};
use crate::domain::Slug;
use crate::domain::post::PostInput;
use crate::domain::post::file as markdown_file;
use crate::domain::post::seo::SeoFields;
use crate::error::AppError;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The folder to import (searched recursively for .md and .markdown files).
    pub dir: PathBuf,
    /// Say what would happen without changing anything.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub remote: Remote,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Skipped,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub skipped: Vec<String>,
    pub failed: Vec<(String, String)>,
}

impl Summary {
    pub fn print(&self, dry_run: bool) {
        let verb = |done: &str, would: &str| {
            if dry_run {
                would.to_owned()
            } else {
                done.to_owned()
            }
        };
        for slug in &self.created {
            println!("{:<13} {slug}", verb("created", "would create"));
        }
        for slug in &self.updated {
            println!("{:<13} {slug}", verb("updated", "would update"));
        }
        for (file, reason) in &self.failed {
            println!("{:<13} {file}: {reason}", "failed");
        }
        println!(
            "\n{} created, {} updated, {} unchanged, {} failed{}",
            self.created.len(),
            self.updated.len(),
            self.skipped.len(),
            self.failed.len(),
            if dry_run {
                " (dry run: nothing was changed)"
            } else {
                ""
            }
        );
    }
}

/// Every Markdown file under `dir`, in a stable order; hidden folders and
/// `node_modules` are skipped.
pub fn markdown_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let path = entry?.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name.starts_with('.') || name == "node_modules" {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "md" || e == "markdown")
            {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The slug a file imports as: its front matter's, else its file name
/// (`hello-world.md`; a page bundle's `index.md` takes its folder's name),
/// else its title's — the way static-site generators name pages.
fn slug_for(path: &Path, input: &PostInput) -> Result<Slug, String> {
    if let Some(slug) = &input.slug {
        return Ok(slug.clone());
    }
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    // Jekyll names posts `2024-05-01-title.md`; the date is not the slug.
    let stem = match stem.as_bytes() {
        [y, y2, y3, y4, b'-', m, m2, b'-', d, d2, b'-', ..]
            if [y, y2, y3, y4, m, m2, d, d2]
                .iter()
                .all(|c| c.is_ascii_digit()) =>
        {
            &stem[11..]
        }
        _ => stem,
    };
    let name = if matches!(stem, "index" | "_index") {
        path.parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .unwrap_or_default()
    } else {
        stem
    };
    Slug::parse(name)
        .ok()
        .or_else(|| Slug::from_title(name))
        .or_else(|| Slug::from_title(input.title.as_str()))
        .ok_or_else(|| "cannot make a slug from its name or title".to_owned())
}

fn body(input: &PostInput, slug: &Slug) -> Value {
    let mut body = json!({
        "title": input.title.as_str(),
        "slug": slug.as_str(),
        "markdown": input.markdown.as_str(),
        "excerpt": input.excerpt,
        "status": input.status,
        "published_at": input.published_at,
        "tags": input.tags.clone().into_inner(),
        "metadata": input.metadata.clone().into_value(),
    });
    // The SEO fields, by the same names in JSON as in front matter.
    if let (Some(body), Ok(Value::Object(seo))) = (
        body.as_object_mut(),
        serde_json::to_value(SeoFields::from(input.seo.clone())),
    ) {
        body.extend(seo);
    }
    body
}

/// Whether the stored post already says what the file says. A derived
/// excerpt or publication date (the file has none) is left as the server
/// made it.
const SEO_FIELDS: [&str; 8] = [
    "feature_image",
    "feature_image_alt",
    "feature_image_caption",
    "featured",
    "meta_title",
    "meta_description",
    "canonical_url",
    "og_image",
];

fn unchanged(local: &Value, remote: &Value) -> bool {
    ["title", "markdown", "status", "tags", "metadata"]
        .iter()
        .chain(&SEO_FIELDS)
        .all(|f| local[f] == remote[f])
        && (local["excerpt"].is_null() || local["excerpt"] == remote["excerpt"])
        && (local["published_at"].is_null()
            || same_instant(&local["published_at"], &remote["published_at"]))
}

fn same_instant(a: &Value, b: &Value) -> bool {
    let parse = |v: &Value| {
        v.as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
    };
    parse(a).is_some() && parse(a) == parse(b)
}

async fn import_one(
    client: &Client,
    path: &Path,
    dry_run: bool,
) -> Result<(String, Outcome), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let input = markdown_file::parse(&text).map_err(|e| match e {
        AppError::Validation(fields) => fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    })?;
    let slug = slug_for(path, &input)?;
    let local = body(&input, &slug);

    let existing = client
        .send(client.request(Method::GET, &format!("/api/v1/posts/{slug}")))
        .await
        .map_err(|e| format!("{e:#}"))?;
    let (method, path_, outcome) = match existing.status() {
        StatusCode::OK => {
            let remote: Value = existing.json().await.map_err(|e| e.to_string())?;
            if unchanged(&local, &remote) {
                return Ok((slug.to_string(), Outcome::Skipped));
            }
            (
                Method::PATCH,
                format!(
                    "/api/v1/posts/{}",
                    remote["id"].as_str().unwrap_or_default()
                ),
                Outcome::Updated,
            )
        }
        StatusCode::NOT_FOUND => (Method::POST, "/api/v1/posts".to_owned(), Outcome::Created),
        _ => return Err(problem_text(existing).await),
    };
    if dry_run {
        return Ok((slug.to_string(), outcome));
    }
    let res = client
        .send(client.request(method, &path_).json(&local))
        .await
        .map_err(|e| format!("{e:#}"))?;
    if res.status().is_success() {
        Ok((slug.to_string(), outcome))
    } else {
        Err(problem_text(res).await)
    }
}

pub async fn run(args: &ImportArgs) -> anyhow::Result<Summary> {
    let client = Client::new(&args.remote)?;
    let files = markdown_files(&args.dir)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", args.dir.display()))?;
    let bar = ProgressBar::new(files.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut summary = Summary::default();
    for path in &files {
        let shown = path
            .strip_prefix(&args.dir)
            .unwrap_or(path)
            .display()
            .to_string();
        bar.set_message(shown.clone());
        match import_one(&client, path, args.dry_run).await {
            Ok((slug, Outcome::Created)) => summary.created.push(slug),
            Ok((slug, Outcome::Updated)) => summary.updated.push(slug),
            Ok((slug, Outcome::Skipped)) => summary.skipped.push(slug),
            Err(reason) => {
                let stop = reason.starts_with("401") || reason.starts_with("cannot reach");
                summary.failed.push((shown, reason));
                if stop {
                    // Every other file would fail the same way.
                    break;
                }
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(summary)
}
