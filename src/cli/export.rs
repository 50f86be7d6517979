//! `folio export <dir>`: every post the credential can see, written back as
//! `<slug>.md` with front matter in the format it was imported in (YAML,
//! TOML or JSON), or the one `--format` names — the files `folio import`
//! reads.

use std::path::PathBuf;

use anyhow::Context;
use reqwest::Method;
use serde_json::Value;

use super::{Client, Remote, problem_text};
use crate::render::front_matter::{self, Format};

/// The same file with its front matter written in `format`.
fn convert(text: &str, format: Format) -> anyhow::Result<String> {
    let doc = front_matter::split(text).map_err(anyhow::Error::msg)?;
    let fields = doc.fields().map_err(anyhow::Error::msg)?;
    Ok(format!(
        "{}{}",
        front_matter::write(format, &fields),
        doc.body
    ))
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The folder to write into (created if missing).
    pub dir: PathBuf,
    /// Write every post's front matter in this format instead of the one
    /// it came in: yaml, toml or json. (TOML has no null: null values are
    /// left out.)
    #[arg(long, value_parser = ["yaml", "toml", "json"])]
    pub format: Option<String>,
    #[command(flatten)]
    pub remote: Remote,
}

pub async fn run(args: &ExportArgs) -> anyhow::Result<usize> {
    let client = Client::new(&args.remote)?;
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let mut written = 0;
    let mut page = 1;
    loop {
        let res = client
            .send(client.request(Method::GET, &format!("/api/v1/posts?limit=100&page={page}")))
            .await?;
        if !res.status().is_success() {
            anyhow::bail!("listing posts failed: {}", problem_text(res).await);
        }
        let list: Value = res.json().await?;
        let posts = list["data"].as_array().cloned().unwrap_or_default();
        for post in &posts {
            let (Some(id), Some(slug)) = (post["id"].as_str(), post["slug"].as_str()) else {
                continue;
            };
            // The slug becomes a file name: whatever the server says, it
            // must be a slug (no `/`, no `..`), so no file lands outside
            // the folder.
            let Ok(slug) = crate::domain::Slug::parse(slug) else {
                anyhow::bail!("the server sent a post whose slug is not a slug: {slug:?}");
            };
            let res = client
                .send(
                    client
                        .request(Method::GET, &format!("/api/v1/posts/{id}"))
                        .header("accept", "text/markdown"),
                )
                .await?;
            if !res.status().is_success() {
                anyhow::bail!("exporting {slug} failed: {}", problem_text(res).await);
            }
            let mut text = res.text().await?;
            if let Some(format) = args.format.as_deref().and_then(Format::parse) {
                text = convert(&text, format)
                    .with_context(|| format!("the server's file for {slug} does not parse"))?;
            }
            let file = args.dir.join(format!("{slug}.md"));
            std::fs::write(&file, text)
                .with_context(|| format!("cannot write {}", file.display()))?;
            written += 1;
        }
        let pages = list["meta"]["pagination"]["pages"].as_u64().unwrap_or(0);
        if posts.is_empty() || page >= pages {
            break;
        }
        page += 1;
    }
    Ok(written)
}
