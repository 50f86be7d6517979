//! The local images a post refers to: found in its body (Markdown images,
//! reference definitions, raw `<img src>`) and its front matter
//! (`feature_image`, `og_image`, and `image`, `cover`, `cover.image`,
//! `featured_image`, `heroImage`, `thumbnail` in metadata), uploaded to
//! the media library (`POST /api/v1/media`, which answers with the stored
//! item when the same bytes are there already, so a second import uploads
//! nothing new) and rewritten to their `/media/{sha256}.{ext}` paths.
//!
//! A path resolves against the post's file (`../docker.png`, a page
//! bundle's `img.png`, Astro's `./img.png`); one starting with `/` against
//! the imported folder, then its `static/` (Hugo) and `public/` (Astro)
//! folders (Jekyll's `/assets/…`). Only files with an image extension are
//! read. Remote (`http(s)://`, `//`, `data:`) and media URLs are left
//! alone; an image not found stays as it is, with a note.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Options, Parser, Tag};
use reqwest::Method;
use serde_json::Value;
use tokio::sync::Mutex;

use super::plan::Planned;
use crate::cli::{Client, problem_text};
use crate::domain::{Markdown, Metadata};

const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "webp", "avif"];

/// Metadata keys that name a post's image in the generators' themes.
const METADATA_KEYS: &[&str] = &["image", "cover", "featured_image", "heroImage", "thumbnail"];

/// Uploads shared by the whole run: each local file is sent once.
#[derive(Default)]
pub struct Uploads(Mutex<HashMap<PathBuf, Result<String, String>>>);

impl Uploads {
    /// The media path of a local file, uploading it the first time.
    async fn path_of(&self, client: &Client, file: &Path) -> Result<String, String> {
        let mut done = self.0.lock().await;
        if let Some(known) = done.get(file) {
            return known.clone();
        }
        let result = upload(client, file).await;
        done.insert(file.to_path_buf(), result.clone());
        result
    }
}

async fn upload(client: &Client, file: &Path) -> Result<String, String> {
    let bytes = tokio::fs::read(file)
        .await
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("image");
    let name: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let res = client
        .send(
            client
                .request(Method::POST, &format!("/api/v1/media?filename={name}"))
                .header("content-type", "application/octet-stream")
                .body(bytes),
        )
        .await
        .map_err(|e| format!("{e:#}"))?;
    if !res.status().is_success() {
        return Err(format!("{}: {}", file.display(), problem_text(res).await));
    }
    let body: Value = res.json().await.map_err(|e| e.to_string())?;
    let url = body["url"].as_str().unwrap_or_default();
    // The path only: the post keeps working if the server's public URL
    // changes, and the renderer writes it out absolute.
    let path = match url::Url::parse(url) {
        Ok(u) => u.path().to_owned(),
        Err(_) => url.to_owned(),
    };
    if !path.starts_with("/media/") {
        return Err(format!(
            "{}: the server answered no media URL",
            file.display()
        ));
    }
    Ok(path)
}

/// Whether a reference is a local path (not remote, not a media URL, not
/// an in-page link).
fn is_local(reference: &str) -> bool {
    let r = reference.trim();
    !(r.is_empty()
        || r.starts_with('#')
        || r.starts_with("//")
        || r.starts_with("/media/")
        || r.contains("://")
        || r.starts_with("data:")
        || r.starts_with("mailto:"))
}

/// The file a local reference names, if it exists and is an image.
pub fn resolve(root: &Path, post_file: &Path, reference: &str) -> Option<PathBuf> {
    let clean = reference.trim().split(['?', '#']).next()?;
    let decoded = percent_decode(clean);
    let candidates: Vec<PathBuf> = match decoded.strip_prefix('/') {
        Some(rooted) => ["", "static", "public"]
            .iter()
            .map(|dir| root.join(dir).join(rooted))
            .collect(),
        None => vec![post_file.parent()?.join(&decoded)],
    };
    candidates.into_iter().find(|p| {
        p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
            && p.is_file()
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

/// Where each image reference sits in a body: the byte range of the
/// reference's text.
pub fn body_references(markdown: &str) -> Vec<(Range<usize>, String)> {
    let mut found = Vec::new();
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Image { dest_url, .. }) => {
                let dest = dest_url.to_string();
                let span = &markdown[range.clone()];
                // Inline: `![alt](dest "title")`, the destination after the
                // last `](`; by reference: in its definition `[id]: dest`.
                let inline = span
                    .rfind("](")
                    .and_then(|at| span[at..].find(dest.as_str()).map(|i| at + i))
                    .map(|i| range.start + i..range.start + i + dest.len());
                let located = inline.or_else(|| {
                    markdown
                        .find(&format!("]: {dest}"))
                        .map(|i| i + 3..i + 3 + dest.len())
                });
                if let Some(r) = located {
                    found.push((r, dest));
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                for (at, src) in img_sources(&html) {
                    let start = range.start + at;
                    if markdown.get(start..start + src.len()) == Some(src) {
                        found.push((start..start + src.len(), src.to_owned()));
                    }
                }
            }
            _ => {}
        }
    }
    found.sort_by_key(|(r, _)| r.start);
    found.dedup_by_key(|(r, _)| r.start);
    found
}

/// The quoted `src` values of `<img>` tags in raw HTML, with their offsets.
fn img_sources(html: &str) -> Vec<(usize, &str)> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(tag) = lower[from..].find("<img").map(|i| from + i) {
        let end = lower[tag..].find('>').map_or(lower.len(), |i| tag + i);
        let attrs = &lower[tag..end];
        from = end;
        let Some(src) = attrs.find(" src=").map(|i| tag + i + " src=".len()) else {
            continue;
        };
        let Some(quote) = html[src..]
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')
        else {
            continue;
        };
        if let Some(len) = html[src + 1..end].find(quote) {
            found.push((src + 1, &html[src + 1..src + 1 + len]));
        }
    }
    found
}

/// Uploads `file`'s local images and rewrites its references to them;
/// returns a note for each image that stays as it is.
pub async fn bring_images(
    client: &Client,
    uploads: &Uploads,
    root: &Path,
    file: &mut Planned,
) -> Vec<String> {
    let post_file = root.join(&file.shown);
    let mut notes = Vec::new();
    let media_path = async |reference: &str, notes: &mut Vec<String>| -> Option<String> {
        if !is_local(reference) {
            return None;
        }
        let Some(local) = resolve(root, &post_file, reference) else {
            notes.push(format!("image `{reference}` not found; left as it is"));
            return None;
        };
        match uploads.path_of(client, &local).await {
            Ok(path) => Some(path),
            Err(reason) => {
                notes.push(format!("image `{reference}` not uploaded: {reason}"));
                None
            }
        }
    };

    let markdown = file.input.markdown.as_str().to_owned();
    let mut rewritten = markdown.clone();
    for (range, reference) in body_references(&markdown).into_iter().rev() {
        if let Some(path) = media_path(&reference, &mut notes).await {
            rewritten.replace_range(range, &path);
        }
    }
    if rewritten != markdown
        && let Ok(m) = Markdown::parse(rewritten)
    {
        file.input.markdown = m;
    }

    for field in [
        &mut file.input.seo.feature_image,
        &mut file.input.seo.og_image,
    ] {
        if let Some(reference) = field.clone()
            && let Some(path) = media_path(&reference, &mut notes).await
        {
            *field = Some(path);
        }
    }

    let mut metadata = file.input.metadata.clone().into_value();
    let mut changed = false;
    for key in METADATA_KEYS {
        let slot = match metadata.get_mut(*key) {
            Some(Value::Object(inner)) if *key == "cover" => inner.get_mut("image"),
            other => other,
        };
        if let Some(Value::String(reference)) = slot
            && let Some(path) = media_path(&reference.clone(), &mut notes).await
        {
            *reference = path;
            changed = true;
        }
    }
    if changed && let Ok(m) = Metadata::parse(metadata) {
        file.input.metadata = m;
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_reference_and_html_images() {
        let md = "![a](../docker.png \"T\") and ![b][logo] <img src=\"./x.png\" alt=\"x\">\n\n[logo]: img/logo.png\n";
        let refs: Vec<(String, String)> = body_references(md)
            .into_iter()
            .map(|(r, d)| (md[r].to_owned(), d))
            .collect();
        assert_eq!(
            refs,
            vec![
                ("../docker.png".into(), "../docker.png".into()),
                ("./x.png".into(), "./x.png".into()),
                ("img/logo.png".into(), "img/logo.png".into()),
            ]
        );
    }

    #[test]
    fn only_local_paths_are_brought() {
        for local in ["../a.png", "./a.png", "a.png", "/assets/a.png"] {
            assert!(is_local(local), "{local}");
        }
        for remote in [
            "https://example.com/a.png",
            "//cdn.example.com/a.png",
            "data:image/png;base64,AA",
            "/media/abc.png",
            "#top",
        ] {
            assert!(!is_local(remote), "{remote}");
        }
    }

    #[test]
    fn paths_resolve_against_the_file_then_the_site() {
        let root = std::env::temp_dir().join(format!("folio-images-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(root.join("posts/bundle")).unwrap();
        std::fs::create_dir_all(root.join("assets")).unwrap();
        std::fs::create_dir_all(root.join("public")).unwrap();
        for f in [
            "posts/some.png",
            "posts/bundle/img.png",
            "assets/a b.jpg",
            "public/hero.webp",
            "posts/notes.txt",
        ] {
            std::fs::write(root.join(f), b"x").unwrap();
        }
        let post = root.join("posts/bundle/index.md");
        assert_eq!(
            resolve(&root, &post, "../some.png"),
            Some(root.join("posts/bundle/../some.png"))
        );
        assert_eq!(
            resolve(&root, &post, "img.png"),
            Some(root.join("posts/bundle/img.png"))
        );
        assert_eq!(
            resolve(&root, &post, "./img.png?v=2"),
            Some(root.join("posts/bundle/./img.png"))
        );
        assert_eq!(
            resolve(&root, &post, "/assets/a%20b.jpg"),
            Some(root.join("assets/a b.jpg"))
        );
        assert_eq!(
            resolve(&root, &post, "/hero.webp"),
            Some(root.join("public/hero.webp"))
        );
        assert_eq!(resolve(&root, &post, "../notes.txt"), None);
        assert_eq!(resolve(&root, &post, "missing.png"), None);
        std::fs::remove_dir_all(root).unwrap();
    }
}
