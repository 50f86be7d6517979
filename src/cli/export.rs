//! `folio export <dir>`: every post the credential can see, written back as
//! `<slug>.md` with front matter in the format it was imported in (YAML,
//! TOML or JSON), or the one `--format` names — the files `folio import`
//! reads.
//!
//! A post that uses media library images is written as a page bundle
//! instead: `<slug>/index.md` with its images beside it, downloaded from
//! `/media/…` under the names they were uploaded with (made safe: no
//! folders, no leading dot, deduplicated), and its `/media/` paths
//! rewritten to those names. `folio import` uploads them again (the
//! server finds the same bytes) and rewrites them back, so the re-import
//! changes nothing.

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
            let media = post_media(&client, id).await?;
            let file = if media.is_empty() {
                args.dir.join(format!("{slug}.md"))
            } else {
                let bundle = args.dir.join(slug.as_str());
                std::fs::create_dir_all(&bundle)
                    .with_context(|| format!("cannot create {}", bundle.display()))?;
                text = write_images(&client, &bundle, &media, text).await?;
                bundle.join("index.md")
            };
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

/// The media items a post uses: `(sha256, original URL, file name)`.
async fn post_media(client: &Client, id: &str) -> anyhow::Result<Vec<(String, String, String)>> {
    let res = client
        .send(client.request(Method::GET, &format!("/api/v1/posts/{id}")))
        .await?;
    if !res.status().is_success() {
        anyhow::bail!("reading post {id} failed: {}", problem_text(res).await);
    }
    let post: Value = res.json().await?;
    let mut taken: Vec<String> = vec!["index.md".into()];
    let mut found = Vec::new();
    for item in post["media"].as_array().into_iter().flatten() {
        let (Some(sha), Some(url)) = (item["sha256"].as_str(), item["url"].as_str()) else {
            continue;
        };
        let ext = url.rsplit('.').next().unwrap_or("img");
        let name = safe_file_name(item["filename"].as_str().unwrap_or(""), sha, ext, &taken);
        taken.push(name.clone());
        found.push((sha.to_owned(), url.to_owned(), name));
    }
    Ok(found)
}

/// A file name that stays in its folder: the last path segment, only
/// letters, digits, `-`, `_` and `.`, not starting with a dot, with the
/// image's extension; numbered when taken.
pub fn safe_file_name(wanted: &str, sha: &str, ext: &str, taken: &[String]) -> String {
    let last = wanted.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_start_matches('.');
    let stem = cleaned
        .rsplit_once('.')
        .map_or(cleaned, |(stem, _)| stem)
        .chars()
        .take(100)
        .collect::<String>();
    let stem = if stem.is_empty() {
        sha[..12.min(sha.len())].to_owned()
    } else {
        stem
    };
    let ext: String = ext
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    let mut name = format!("{stem}.{ext}");
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        name = format!("{stem}-{n}.{ext}");
        n += 1;
    }
    name
}

/// Downloads each image into `bundle` and points the file's `/media/`
/// paths (relative or absolute) at the copies.
async fn write_images(
    client: &Client,
    bundle: &std::path::Path,
    media: &[(String, String, String)],
    mut text: String,
) -> anyhow::Result<String> {
    for (_, url, name) in media {
        let path = match url::Url::parse(url) {
            Ok(u) => u.path().to_owned(),
            Err(_) => url.clone(),
        };
        let res = client.send(client.request(Method::GET, &path)).await?;
        if !res.status().is_success() {
            anyhow::bail!("downloading {path} failed: {}", res.status());
        }
        let bytes = res.bytes().await?;
        let file = bundle.join(name);
        std::fs::write(&file, &bytes)
            .with_context(|| format!("cannot write {}", file.display()))?;
        text = text.replace(url.as_str(), name).replace(&path, name);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn file_names_stay_in_the_folder_and_do_not_collide() {
        let sha = "ab".repeat(32);
        let taken = vec!["index.md".to_owned(), "cat.png".to_owned()];
        assert_eq!(
            safe_file_name("../../etc/passwd", &sha, "png", &taken),
            "passwd.png"
        );
        assert_eq!(safe_file_name("cat.png", &sha, "png", &taken), "cat-2.png");
        assert_eq!(
            safe_file_name(".hidden.jpg", &sha, "jpg", &taken),
            "hidden.jpg"
        );
        assert_eq!(
            safe_file_name("", &sha, "jpg", &taken),
            format!("{}.jpg", &sha[..12])
        );
        assert_eq!(
            safe_file_name("a b/c d?.webp", &sha, "webp", &taken),
            "c-d-.webp"
        );
        assert_eq!(safe_file_name("index.md", &sha, "png", &taken), "index.png");
    }
}
