//! Reading a content folder into a plan before anything is sent: each
//! file parsed, given its slug and its aliases, and checked against every
//! other file of the run, so a collision stops the import before it
//! writes instead of one file silently overwriting another.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::domain::Slug;
use crate::domain::post::PostInput;
use crate::domain::post::file as markdown_file;
use crate::error::AppError;

/// One file, ready to send.
#[derive(Debug)]
pub struct Planned {
    /// The path as shown to the author: relative to the imported folder.
    pub shown: String,
    pub input: PostInput,
    pub slug: Slug,
    /// Old URLs (`aliases`, Jekyll's `redirect_from`) as slugs that should
    /// redirect to this post.
    pub aliases: Vec<Slug>,
    /// Template syntax found in the body.
    pub templates: Vec<String>,
}

/// What reading the folder found.
#[derive(Debug, Default)]
pub struct Plan {
    pub files: Vec<Planned>,
    /// Files that cannot be imported, with the reason.
    pub failed: Vec<(String, String)>,
    /// Section index files (`_index.md`), which hold a section's settings
    /// rather than a post.
    pub sections: Vec<String>,
    /// Things the author should know that did not stop a file.
    pub notes: Vec<(String, String)>,
}

/// Two or more files that would become the same post.
#[derive(Debug, PartialEq, Eq)]
pub struct Collision {
    pub slug: String,
    pub paths: Vec<String>,
}

impl std::fmt::Display for Collision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "slug `{}`: {}", self.slug, self.paths.join(" and "))
    }
}

/// Reads and parses every file. `slug_from_path` resolves collisions by
/// deriving the colliding files' slugs from their folders; without it a
/// collision is an error naming both paths.
pub fn plan(root: &Path, files: &[PathBuf], slug_from_path: bool) -> Result<Plan, Vec<Collision>> {
    let mut plan = Plan::default();
    for path in files {
        let relative = path.strip_prefix(root).unwrap_or(path);
        let shown = relative.display().to_string();
        if path.file_stem().is_some_and(|s| s == "_index") {
            plan.sections.push(shown);
            continue;
        }
        match read(path, relative) {
            Ok(planned) => plan.files.push(Planned { shown, ..planned }),
            Err(reason) => plan.failed.push((shown, reason)),
        }
    }
    let found = collisions(&plan.files);
    if !found.is_empty() {
        if !slug_from_path {
            return Err(found);
        }
        let colliding: BTreeSet<String> = found.into_iter().flat_map(|c| c.paths).collect();
        for file in plan
            .files
            .iter_mut()
            .filter(|f| colliding.contains(&f.shown))
        {
            match path_slug(Path::new(&file.shown)) {
                Some(slug) => file.slug = slug,
                None => {
                    return Err(vec![Collision {
                        slug: file.slug.to_string(),
                        paths: vec![file.shown.clone()],
                    }]);
                }
            }
        }
        let again = collisions(&plan.files);
        if !again.is_empty() {
            return Err(again);
        }
    }
    drop_contested_aliases(&mut plan);
    Ok(plan)
}

/// Every slug more than one file would take, with the files' paths.
pub fn collisions(files: &[Planned]) -> Vec<Collision> {
    let mut by_slug: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for file in files {
        by_slug
            .entry(file.slug.as_str())
            .or_default()
            .push(file.shown.clone());
    }
    by_slug
        .into_iter()
        .filter(|(_, paths)| paths.len() > 1)
        .map(|(slug, paths)| Collision {
            slug: slug.to_owned(),
            paths,
        })
        .collect()
}

/// An alias that is another file's slug, or that two files claim, would
/// make one file's redirect take over another's post: it is left out, and
/// the summary says so.
fn drop_contested_aliases(plan: &mut Plan) {
    let slugs: BTreeSet<String> = plan.files.iter().map(|f| f.slug.to_string()).collect();
    let mut claims: BTreeMap<String, usize> = BTreeMap::new();
    for alias in plan.files.iter().flat_map(|f| &f.aliases) {
        *claims.entry(alias.to_string()).or_default() += 1;
    }
    for file in &mut plan.files {
        let own = file.slug.clone();
        let (keep, dropped): (Vec<_>, Vec<_>) = std::mem::take(&mut file.aliases)
            .into_iter()
            .filter(|a| *a != own)
            .partition(|a| !slugs.contains(a.as_str()) && claims[a.as_str()] == 1);
        file.aliases = keep;
        for alias in dropped {
            plan.notes.push((
                file.shown.clone(),
                format!("alias `{alias}` is another file's slug or alias; not added"),
            ));
        }
    }
}

fn read(path: &Path, relative: &Path) -> Result<Planned, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let name = file_name(relative);
    let input = markdown_file::parse_file(&text, Some(&name)).map_err(|e| match e {
        AppError::Validation(fields) => fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    })?;
    let slug = slug_for(&name, &input)?;
    let aliases = aliases_of(&input);
    let templates = super::templates::scan(input.markdown.as_str());
    Ok(Planned {
        shown: String::new(),
        input,
        slug,
        aliases,
        templates,
    })
}

/// A file's name for its slug and title: its stem, or for a page bundle's
/// `index.md` its folder's name.
fn file_name(relative: &Path) -> String {
    let stem = relative
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if stem == "index" {
        if let Some(folder) = relative
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
        {
            return folder.to_owned();
        }
    }
    stem.to_owned()
}

/// The slug a file imports as: its front matter's, else its file name
/// without a Jekyll date, else its title's.
fn slug_for(name: &str, input: &PostInput) -> Result<Slug, String> {
    if let Some(slug) = &input.slug {
        return Ok(slug.clone());
    }
    let (_, name) = markdown_file::split_dated_name(name);
    Slug::parse(name)
        .ok()
        .or_else(|| Slug::from_title(name))
        .or_else(|| Slug::from_title(input.title.as_str()))
        .ok_or_else(|| "cannot make a slug from its name or title".to_owned())
}

/// A slug from the file's folders below the content root:
/// `_docs/configuration/liquid.md` is `configuration-liquid`. Leading
/// folders that only hold content (`content`, `src`, Jekyll collections
/// such as `_docs`) are left out.
pub fn path_slug(relative: &Path) -> Option<Slug> {
    let mut parts: Vec<String> = relative
        .parent()
        .into_iter()
        .flat_map(|p| p.iter())
        .filter_map(|c| c.to_str())
        .map(str::to_owned)
        .skip_while(|c| c == "content" || c == "src" || c.starts_with('_'))
        .collect();
    let stem = relative.file_stem()?.to_str()?;
    if stem != "index" {
        parts.push(markdown_file::split_dated_name(stem).1.to_owned());
    }
    Slug::from_title(&parts.join("-"))
}

/// `aliases` (Hugo, Zola) and `redirect_from` (Jekyll), kept in metadata,
/// as slugs: a path keeps its last segment (`/old/posts/hello/` is `hello`).
fn aliases_of(input: &PostInput) -> Vec<Slug> {
    let metadata = input.metadata.clone().into_value();
    let mut found = Vec::new();
    for key in ["aliases", "redirect_from"] {
        let values = match &metadata[key] {
            serde_json::Value::Array(items) => items.clone(),
            serde_json::Value::String(s) => vec![serde_json::Value::String(s.clone())],
            _ => continue,
        };
        for value in values {
            let Some(path) = value.as_str() else { continue };
            let last = path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default();
            let last = last.strip_suffix(".html").unwrap_or(last);
            if let Some(slug) = Slug::parse(last).ok().or_else(|| Slug::from_title(last))
                && !found.contains(&slug)
            {
                found.push(slug);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_slugs_skip_content_roots() {
        for (path, slug) in [
            ("_docs/configuration/liquid.md", "configuration-liquid"),
            ("content/blog/hello/index.md", "blog-hello"),
            ("src/content/blog/first.md", "blog-first"),
            ("_posts/2024-01-31-news.md", "news"),
        ] {
            assert_eq!(path_slug(Path::new(path)).unwrap().as_str(), slug, "{path}");
        }
    }

    #[test]
    fn collisions_name_both_paths_and_the_flag_resolves_them() {
        let dir = std::env::temp_dir().join(format!("folio-plan-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("_docs/configuration")).unwrap();
        std::fs::write(
            dir.join("_docs/liquid.md"),
            "---\ntitle: A\naliases: [/old/x/]\n---\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("_docs/configuration/liquid.md"),
            "---\ntitle: B\n---\n",
        )
        .unwrap();
        std::fs::write(dir.join("_docs/_index.md"), "+++\n+++\n").unwrap();
        let files = super::super::markdown_files(&dir).unwrap();
        let err = plan(&dir, &files, false).unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(
            err[0].to_string(),
            "slug `liquid`: _docs/configuration/liquid.md and _docs/liquid.md"
        );
        let ok = plan(&dir, &files, true).unwrap();
        let slugs: Vec<_> = ok.files.iter().map(|f| f.slug.as_str()).collect();
        assert_eq!(slugs, vec!["configuration-liquid", "liquid"]);
        assert_eq!(ok.files[1].aliases[0].as_str(), "x");
        assert_eq!(ok.sections, vec!["_docs/_index.md"]);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
