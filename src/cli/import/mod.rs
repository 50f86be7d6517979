//! `folio import <dir>`: bulk-import a Hugo, Zola, Jekyll or Astro content
//! folder. Idempotent by slug: a post that already says the same is
//! skipped, one that differs is updated, a new one is created.
//!
//! The whole folder is read and checked first ([`plan`]): files that would
//! share a slug stop the run before anything is written. Then the files are
//! sent in chunks through `POST /api/v1/bulk/posts` (one at a time for a dry
//! run, or when the server has no bulk endpoint), a few requests at once,
//! each riding out the server's rate limit ([`crate::cli::retry`]). Before
//! a file is sent, the local images it refers to are uploaded to the media
//! library and its references rewritten ([`images`]).

pub mod images;
pub mod plan;
pub mod templates;
pub mod write;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};

use super::{Client, Remote};
pub use write::Outcome;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The folder to import (searched recursively for .md and .markdown files).
    pub dir: PathBuf,
    /// Say what would happen without changing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// When files would share a slug, derive theirs from their folders
    /// (`_docs/configuration/liquid.md` becomes `configuration-liquid`)
    /// instead of stopping.
    #[arg(long)]
    pub slug_from_path: bool,
    /// How many requests are sent at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    #[command(flatten)]
    pub remote: Remote,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub skipped: Vec<String>,
    pub failed: Vec<(String, String)>,
    /// Section index files, not imported.
    pub sections: Vec<String>,
    /// Template syntax per file.
    pub templates: Vec<(String, Vec<String>)>,
    pub notes: Vec<(String, String)>,
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
        for file in &self.sections {
            println!("{:<13} {file}: a section index, not a post", "skipped");
        }
        for (file, found) in &self.templates {
            println!("{:<13} {file}: {}", "templates", found.join(", "));
        }
        for (file, note) in &self.notes {
            println!("{:<13} {file}: {note}", "note");
        }
        for (file, reason) in &self.failed {
            println!("{:<13} {file}: {reason}", "failed");
        }
        if !self.templates.is_empty() {
            println!(
                "\n{} files hold template syntax (Liquid or shortcodes) that Folio shows as text.",
                self.templates.len()
            );
        }
        println!(
            "\n{} created, {} updated, {} unchanged, {} failed{}{}",
            self.created.len(),
            self.updated.len(),
            self.skipped.len(),
            self.failed.len(),
            if self.sections.is_empty() {
                String::new()
            } else {
                format!(", {} section index files skipped", self.sections.len())
            },
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

/// Groups files for the bulk endpoint: at most [`write::CHUNK_FILES`] a
/// chunk, and about [`write::CHUNK_BYTES`] of JSON.
fn chunk(files: Vec<plan::Planned>) -> Vec<Vec<plan::Planned>> {
    let mut chunks = Vec::new();
    let mut current = Vec::new();
    let mut bytes = 0;
    for file in files {
        let size = write::item(&file).to_string().len();
        if !current.is_empty()
            && (current.len() == write::CHUNK_FILES || bytes + size > write::CHUNK_BYTES)
        {
            chunks.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += size;
        current.push(file);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

pub async fn run(args: &ImportArgs) -> anyhow::Result<Summary> {
    let client = Arc::new(Client::new(&args.remote)?);
    let files = markdown_files(&args.dir)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", args.dir.display()))?;
    let mut plan = plan::plan(&args.dir, &files, args.slug_from_path).map_err(|collisions| {
        let list: Vec<String> = collisions.iter().map(|c| format!("  {c}")).collect();
        anyhow::anyhow!(
            "{} slugs would be shared by several files, and one would overwrite the other; \
             nothing was imported:\n{}\nGive each file its own `slug` in its front matter, \
             or pass --slug-from-path to derive these slugs from their folders.",
            collisions.len(),
            list.join("\n")
        )
    })?;
    let mut summary = Summary {
        failed: plan.failed,
        sections: plan.sections,
        notes: plan.notes,
        ..Summary::default()
    };
    summary.templates = plan
        .files
        .iter()
        .filter(|f| !f.templates.is_empty())
        .map(|f| (f.shown.clone(), f.templates.clone()))
        .collect();

    let bar = ProgressBar::new(plan.files.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let dry_run = args.dry_run;
    if !dry_run {
        let uploads = images::Uploads::default();
        let root = args.dir.as_path();
        let brought: Vec<(plan::Planned, Vec<String>)> =
            futures_util::stream::iter(std::mem::take(&mut plan.files))
                .map(|mut file| {
                    let client = Arc::clone(&client);
                    let uploads = &uploads;
                    async move {
                        let notes = images::bring_images(&client, uploads, root, &mut file).await;
                        (file, notes)
                    }
                })
                .buffered(usize::from(args.concurrency))
                .collect()
                .await;
        for (file, notes) in brought {
            summary
                .notes
                .extend(notes.into_iter().map(|n| (file.shown.clone(), n)));
            plan.files.push(file);
        }
    }
    // A bad token or an unreachable server fails every file the same way:
    // the first such failure stops the files not yet started.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let fatal = |reason: &str| reason.starts_with("401") || reason.starts_with("cannot reach");
    // Files go in chunks through the bulk endpoint; a dry run reads and
    // compares each file instead, writing nothing.
    let chunks = if dry_run {
        plan.files.into_iter().map(|f| vec![f]).collect()
    } else {
        chunk(plan.files)
    };
    let mut results: Vec<_> = futures_util::stream::iter(chunks.into_iter().enumerate())
        .map(|(i, files)| {
            let client = Arc::clone(&client);
            let bar = bar.clone();
            let stop = Arc::clone(&stop);
            async move {
                use std::sync::atomic::Ordering;
                if stop.load(Ordering::Relaxed) {
                    return (i, files, None);
                }
                let sent = if dry_run {
                    write::Chunk::OneByOne
                } else {
                    write::import_chunk(&client, &files).await
                };
                let results = match sent {
                    write::Chunk::Done(results) => results,
                    write::Chunk::OneByOne => {
                        let mut results = Vec::with_capacity(files.len());
                        for file in &files {
                            let result = write::import_one(&client, file, dry_run).await;
                            let stop_now = matches!(&result, Err(r) if fatal(r));
                            results.push(result);
                            if stop_now {
                                break;
                            }
                        }
                        results
                    }
                };
                if results.iter().any(|r| matches!(r, Err(r) if fatal(r))) {
                    stop.store(true, Ordering::Relaxed);
                }
                bar.inc(files.len() as u64);
                (i, files, Some(results))
            }
        })
        .buffer_unordered(usize::from(args.concurrency))
        .collect()
        .await;
    bar.finish_and_clear();
    results.sort_by_key(|(i, _, _)| *i);
    let mut not_tried = 0;
    for (_, files, results) in results {
        let mut results = results.unwrap_or_default().into_iter();
        for file in files {
            match results.next() {
                None => not_tried += 1,
                Some(Ok((outcome, notes))) => {
                    let slug = file.slug.to_string();
                    match outcome {
                        Outcome::Created => summary.created.push(slug),
                        Outcome::Updated => summary.updated.push(slug),
                        Outcome::Skipped => summary.skipped.push(slug),
                    }
                    summary
                        .notes
                        .extend(notes.into_iter().map(|n| (file.shown.clone(), n)));
                }
                Some(Err(reason)) => summary.failed.push((file.shown, reason)),
            }
        }
    }
    if not_tried > 0 {
        summary.notes.push((
            args.dir.display().to_string(),
            format!("{not_tried} files not tried after the failure below"),
        ));
    }
    Ok(summary)
}
