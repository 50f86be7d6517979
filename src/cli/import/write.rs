//! Sending planned files: many at once through the bulk endpoint
//! ([`import_chunk`]), or one at a time ([`import_one`]: for a dry run, and
//! for servers without it): create each, update it, or leave it as it is,
//! then make its old URLs redirect to it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::plan::Planned;
use crate::cli::{Client, describe_problem, problem_text};
use crate::domain::Slug;
use crate::domain::post::PostInput;
use crate::domain::post::seo::SeoFields;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Skipped,
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

/// Imports one file. The post is looked up by its own slug only: an old
/// slug answers 301 (redirects are not followed), so a file never lands on
/// a post another file of the run created or renamed.
pub async fn import_one(
    client: &Client,
    file: &Planned,
    dry_run: bool,
) -> Result<(Outcome, Vec<String>), String> {
    let slug = &file.slug;
    let local = body(&file.input, slug);
    let existing = client
        .send(client.request(Method::GET, &format!("/api/v1/posts/{slug}")))
        .await
        .map_err(|e| format!("{e:#}"))?;
    let (id, outcome) = match existing.status() {
        StatusCode::OK => {
            let remote: Value = existing.json().await.map_err(|e| e.to_string())?;
            let id = remote["id"].as_str().unwrap_or_default().to_owned();
            if unchanged(&local, &remote) {
                (Some(id), Outcome::Skipped)
            } else {
                if !dry_run {
                    send_json(
                        client,
                        Method::PATCH,
                        &format!("/api/v1/posts/{id}"),
                        &local,
                    )
                    .await?;
                }
                (Some(id), Outcome::Updated)
            }
        }
        // 301: the slug is another post's old one; a new post takes it over.
        StatusCode::NOT_FOUND | StatusCode::MOVED_PERMANENTLY => {
            if dry_run {
                return Ok((Outcome::Created, Vec::new()));
            }
            let created = send_json(client, Method::POST, "/api/v1/posts", &local).await?;
            (created["id"].as_str().map(str::to_owned), Outcome::Created)
        }
        _ => return Err(problem_text(existing).await),
    };
    let (Some(id), false) = (id, dry_run) else {
        return Ok((outcome, Vec::new()));
    };
    let (added, notes) = add_aliases(client, &id, slug, &file.aliases).await?;
    let outcome = if added && outcome == Outcome::Skipped {
        Outcome::Updated
    } else {
        outcome
    };
    Ok((outcome, notes))
}

/// The most files one bulk request carries (the server takes 500).
pub const CHUNK_FILES: usize = 100;
/// About the most JSON one bulk request carries (the server's default
/// limit is 16 MiB, each post at most 1 MiB).
pub const CHUNK_BYTES: usize = 4 << 20;

/// Each file's result, in order.
pub type Results = Vec<Result<(Outcome, Vec<String>), String>>;

/// What a bulk request came to.
pub enum Chunk {
    Done(Results),
    /// The server has no bulk endpoint (404, 405), or found this chunk too
    /// large (413): send these files one at a time.
    OneByOne,
}

/// The JSON each file is sent as, and its size.
pub fn item(file: &Planned) -> Value {
    body(&file.input, &file.slug)
}

/// Imports a chunk of files in one `POST /api/v1/bulk/posts`: the server
/// creates, updates or leaves each post by its slug, as [`import_one`]
/// does one request at a time; then each post's aliases are added.
pub async fn import_chunk(client: &Client, files: &[Planned]) -> Chunk {
    let items: Vec<Value> = files.iter().map(item).collect();
    let fail_all =
        |reason: String| Chunk::Done(files.iter().map(|_| Err(reason.clone())).collect());
    let res = match client
        .send(
            client
                .request(Method::POST, "/api/v1/bulk/posts")
                .json(&items),
        )
        .await
    {
        Ok(res) => res,
        Err(e) => return fail_all(format!("{e:#}")),
    };
    match res.status() {
        StatusCode::OK => {}
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED | StatusCode::PAYLOAD_TOO_LARGE => {
            return Chunk::OneByOne;
        }
        _ => return fail_all(problem_text(res).await),
    }
    let answer: Value = match res.json().await {
        Ok(answer) => answer,
        Err(e) => return fail_all(format!("unreadable bulk answer: {e}")),
    };
    let empty = Vec::new();
    let results = answer["results"].as_array().unwrap_or(&empty);
    let mut out = Vec::with_capacity(files.len());
    for (i, file) in files.iter().enumerate() {
        let Some(result) = results
            .iter()
            .find(|r| r["index"].as_u64() == Some(i as u64))
        else {
            out.push(Err("the server's answer left this file out".to_owned()));
            continue;
        };
        let outcome = match result["status"].as_str() {
            Some("created") => Outcome::Created,
            Some("updated") => Outcome::Updated,
            Some("unchanged") => Outcome::Skipped,
            _ => {
                let problem = &result["problem"];
                let status = problem["status"]
                    .as_u64()
                    .and_then(|s| u16::try_from(s).ok())
                    .and_then(|s| StatusCode::from_u16(s).ok())
                    .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
                out.push(Err(describe_problem(status, problem)));
                continue;
            }
        };
        let id = result["id"].as_str().unwrap_or_default();
        if file.aliases.is_empty() || id.is_empty() {
            out.push(Ok((outcome, Vec::new())));
            continue;
        }
        out.push(
            match add_aliases(client, id, &file.slug, &file.aliases).await {
                Ok((true, notes)) if outcome == Outcome::Skipped => Ok((Outcome::Updated, notes)),
                Ok((_, notes)) => Ok((outcome, notes)),
                Err(e) => Err(e),
            },
        );
    }
    Chunk::Done(out)
}

async fn send_json(
    client: &Client,
    method: Method,
    path: &str,
    body: &Value,
) -> Result<Value, String> {
    let res = client
        .send(client.request(method, path).json(body))
        .await
        .map_err(|e| format!("{e:#}"))?;
    if res.status().is_success() {
        Ok(res.json().await.unwrap_or_default())
    } else {
        Err(problem_text(res).await)
    }
}

/// Makes each alias an old slug of the post, the way Folio records one:
/// the post takes the alias as its slug, then its own slug back. An alias
/// already leading here costs one read; one that is a live post's slug is
/// left alone and reported.
async fn add_aliases(
    client: &Client,
    id: &str,
    slug: &Slug,
    aliases: &[Slug],
) -> Result<(bool, Vec<String>), String> {
    let mut added = false;
    let mut notes = Vec::new();
    for alias in aliases {
        let res = client
            .send(client.request(Method::GET, &format!("/api/v1/posts/{alias}")))
            .await
            .map_err(|e| format!("{e:#}"))?;
        match res.status() {
            StatusCode::MOVED_PERMANENTLY
                if res
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .is_some_and(|l| l.ends_with(&format!("/api/v1/posts/{slug}"))) =>
            {
                continue;
            }
            StatusCode::OK => {
                notes.push(format!("alias `{alias}` is another post's slug; not added"));
                continue;
            }
            _ => {}
        }
        let path = format!("/api/v1/posts/{id}");
        send_json(
            client,
            Method::PATCH,
            &path,
            &json!({"slug": alias.as_str()}),
        )
        .await?;
        send_json(
            client,
            Method::PATCH,
            &path,
            &json!({"slug": slug.as_str()}),
        )
        .await?;
        added = true;
    }
    Ok((added, notes))
}
