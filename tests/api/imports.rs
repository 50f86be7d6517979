//! `folio import` on one small site per generator (Hugo, Zola, Jekyll,
//! Astro, in `tests/fixtures/import/`), into an empty database, against a
//! server with its default settings, rate limits included. Each site: no
//! failures but the deliberately bad files, each with its reason; a second
//! run changes nothing; an export imported again changes nothing.

use std::path::Path;

use serde_json::Value;

use crate::cli::{copy_tree, folio, temp_dir};
use crate::helpers::TestApp;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import");

/// A server as it ships: only what a test needs to run is set.
async fn default_app() -> TestApp {
    TestApp::spawn_with(|env| {
        env.remove("FOLIO_RATE_LIMIT_PER_MINUTE");
    })
    .await
}

/// A fresh copy of one fixture site.
fn site(name: &str) -> std::path::PathBuf {
    let dir = temp_dir();
    copy_tree(&Path::new(FIXTURES).join(name), &dir);
    dir
}

/// Imports `dir`, imports it again, exports and imports the export:
/// returns the first run's output and the export folder.
async fn import_twice_and_round_trip(
    app: &TestApp,
    token: &str,
    dir: &Path,
    flags: &[&str],
    created: usize,
    failed: &[(&str, &str)],
) -> (String, std::path::PathBuf) {
    let mut args = vec!["import", dir.to_str().unwrap()];
    args.extend(flags);
    let (ok, first) = folio(app, token, &args).await;
    assert_eq!(ok, failed.is_empty(), "{first}");
    let counts = format!(
        "{created} created, 0 updated, 0 unchanged, {} failed",
        failed.len()
    );
    assert!(first.contains(&counts), "{first}");
    for (file, reason) in failed {
        let line = format!("failed        {file}: {reason}");
        assert!(first.contains(&line), "{line}\n{first}");
    }

    let (_, second) = folio(app, token, &args).await;
    let unchanged = format!(
        "0 created, 0 updated, {created} unchanged, {} failed",
        failed.len()
    );
    assert!(
        second.contains(&unchanged),
        "a second run changes nothing:\n{second}"
    );

    let exported = temp_dir();
    let (ok, out) = folio(app, token, &["export", exported.to_str().unwrap()]).await;
    assert!(
        ok && out.contains(&format!("exported {created} posts")),
        "{out}"
    );
    let (ok, again) = folio(app, token, &["import", exported.to_str().unwrap()]).await;
    assert!(ok, "{again}");
    assert!(
        again.contains(&format!(
            "0 created, 0 updated, {created} unchanged, 0 failed"
        )),
        "an export imported again changes nothing:\n{again}"
    );
    (first, exported)
}

/// Where an old URL leads: the `Location` of its 301.
async fn redirect_of(app: &TestApp, slug: &str) -> String {
    let res = app
        .get(&format!("/api/v1/posts/{slug}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 301, "{slug}");
    res.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_hugo_site_in_yaml_toml_and_json_imports_and_round_trips() {
    let app = default_app().await;
    let token = app.admin_token().await;
    let dir = site("hugo");
    let (out, exported) = import_twice_and_round_trip(
        &app,
        &token,
        &dir,
        &[],
        4,
        &[(
            "content/docs/broken.md",
            "front_matter: front matter is not valid TOML",
        )],
    )
    .await;
    assert!(
        out.contains("skipped       content/_index.md: a section index"),
        "{out}"
    );
    assert!(out.contains(", 1 section index files skipped"), "{out}");
    assert!(
        out.contains("templates     content/posts/yaml-post.md: {{< youtube >}}")
            && out.contains("templates     content/posts/toml-post.md: {{< ref >}}")
            && out.contains("templates     content/posts/json-post.md: {{% notice %}}")
            && out.contains("templates     content/posts/bundle/index.md: {{< figure >}}"),
        "{out}"
    );

    let toml = app.get_json_as(&token, "/api/v1/posts/toml-post").await;
    assert_eq!(toml["title"], "Hugo in TOML");
    assert_eq!(toml["status"], "published");
    assert_eq!(toml["published_at"], "2024-02-10T08:30:00Z");
    assert_eq!(toml["excerpt"], "Hugo's default front matter.");
    assert_eq!(toml["tags"], serde_json::json!(["hugo", "toml"]));
    let metadata = &toml["metadata"];
    assert_eq!(metadata["front_matter_format"], "toml");
    assert_eq!(metadata["params"]["math"], true);
    assert_eq!(metadata["weight"], 10);
    assert_eq!(metadata["lastmod"], "2024-02-12T10:00:00Z");
    assert_eq!(metadata["categories"], serde_json::json!(["migrations"]));
    assert!(
        redirect_of(&app, "hugo-toml")
            .await
            .ends_with("/api/v1/posts/toml-post")
    );

    let json = app.get_json_as(&token, "/api/v1/posts/json-post").await;
    assert_eq!(json["status"], "draft");
    assert_eq!(json["metadata"]["params"]["series"][0], "formats");
    let yaml = app.get_json_as(&token, "/api/v1/posts/yaml-post").await;
    assert_eq!(yaml["metadata"]["author"], "Ada");
    assert_eq!(yaml["metadata"].get("front_matter_format"), None);
    assert!(
        redirect_of(&app, "yaml-old")
            .await
            .ends_with("/api/v1/posts/yaml-post")
    );
    let bundle = app.get_json_as(&token, "/api/v1/posts/bundle").await;
    assert_eq!(bundle["published_at"], "2023-12-24T23:00:00Z");

    // Each post is exported in the format it came in.
    let read = |name: &str| std::fs::read_to_string(exported.join(name)).unwrap();
    assert!(read("toml-post.md").starts_with("+++\n"));
    assert!(read("json-post.md").starts_with("{\n"));
    assert!(read("yaml-post.md").starts_with("---\n"));
    assert!(!read("toml-post.md").contains("front_matter_format"));

    // Unless told otherwise.
    let as_yaml = temp_dir();
    let (ok, out) = folio(
        &app,
        &token,
        &["export", as_yaml.to_str().unwrap(), "--format", "yaml"],
    )
    .await;
    assert!(ok, "{out}");
    let toml_as_yaml = std::fs::read_to_string(as_yaml.join("toml-post.md")).unwrap();
    assert!(
        toml_as_yaml.starts_with("---\ntitle: Hugo in TOML\n"),
        "{toml_as_yaml}"
    );
    for d in [dir, exported, as_yaml] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[tokio::test]
async fn a_zola_site_with_repeated_file_names_stops_then_imports_by_path() {
    let app = default_app().await;
    let token = app.admin_token().await;
    let dir = site("zola");

    let (ok, out) = folio(&app, &token, &["import", dir.to_str().unwrap()]).await;
    assert!(!ok, "{out}");
    assert!(
        out.contains("slug `intro`: content/blog/intro.md and content/docs/intro.md")
            && out.contains("nothing was imported")
            && out.contains("--slug-from-path"),
        "{out}"
    );
    let list = app.get_json_as(&token, "/api/v1/posts").await;
    assert_eq!(
        list["meta"]["pagination"]["total"], 0,
        "nothing was written"
    );

    let (out, exported) =
        import_twice_and_round_trip(&app, &token, &dir, &["--slug-from-path"], 3, &[]).await;
    assert!(out.contains(", 2 section index files skipped"), "{out}");
    assert!(
        out.contains("templates     content/blog/intro.md: {{ youtube }}")
            && out.contains("templates     content/docs/install.md: {% note %}"),
        "{out}"
    );
    let blog = app.get_json_as(&token, "/api/v1/posts/blog-intro").await;
    assert_eq!(blog["title"], "Hello from Zola");
    assert_eq!(blog["tags"], serde_json::json!(["zola", "rust"]));
    assert_eq!(blog["excerpt"], "The blog's first post.");
    assert_eq!(
        blog["metadata"]["taxonomies"],
        serde_json::json!({"categories": ["news"]})
    );
    assert_eq!(blog["metadata"]["extra"]["cover"]["alt"], "A cover");
    assert_eq!(blog["metadata"]["updated"], "2024-04-03T08:00:00Z");
    let docs = app.get_json_as(&token, "/api/v1/posts/docs-intro").await;
    assert_eq!(docs["title"], "Getting started");
    assert_eq!(docs["status"], "draft");
    let install = app.get_json_as(&token, "/api/v1/posts/install").await;
    assert_eq!(install["published_at"], "2024-04-02T08:00:00Z");

    let file = std::fs::read_to_string(exported.join("blog-intro.md")).unwrap();
    assert!(
        file.starts_with("+++\n")
            && file.contains("[taxonomies]")
            && file.contains("tags = [\"zola\", \"rust\"]"),
        "{file}"
    );
    std::fs::remove_dir_all(dir).unwrap();
    std::fs::remove_dir_all(exported).unwrap();
}

#[tokio::test]
async fn a_jekyll_site_with_dated_posts_nested_docs_and_liquid_imports() {
    let app = default_app().await;
    let token = app.admin_token().await;
    let dir = site("jekyll");
    let (ok, out) = folio(&app, &token, &["import", dir.to_str().unwrap()]).await;
    assert!(
        !ok && out.contains("slug `liquid`: _docs/configuration/liquid.md and _docs/liquid.md"),
        "{out}"
    );

    let (out, exported) = import_twice_and_round_trip(
        &app,
        &token,
        &dir,
        &["--slug-from-path"],
        5,
        &[("_posts/2024-02-30-bad-date.md", "date: must be a date")],
    )
    .await;
    assert!(
        out.contains(
            "templates     _posts/2024-01-31-welcome.md: {{ site.title }}, {% highlight %}"
        ) && out.contains("templates     _docs/liquid.md: {% raw %}, {{ page.title }}")
            && out.contains("templates     _docs/configuration/liquid.md: {% include %}"),
        "{out}"
    );
    let welcome = app.get_json_as(&token, "/api/v1/posts/welcome").await;
    assert_eq!(welcome["title"], "Welcome to Jekyll!");
    assert_eq!(welcome["published_at"], "2024-01-31T04:45:00Z");
    assert_eq!(welcome["metadata"]["categories"], "jekyll update");
    assert!(
        redirect_of(&app, "old-welcome")
            .await
            .ends_with("/api/v1/posts/welcome")
    );
    let dated = app
        .get_json_as(&token, "/api/v1/posts/no-date-in-front-matter")
        .await;
    assert_eq!(dated["published_at"], "2023-11-05T00:00:00Z");
    assert_eq!(dated["status"], "published");
    let untitled = app
        .get_json_as(&token, "/api/v1/posts/empty-front-matter")
        .await;
    assert_eq!(untitled["title"], "Pages without a title");
    for slug in ["liquid", "configuration-liquid"] {
        let post = app
            .get_json_as(&token, &format!("/api/v1/posts/{slug}"))
            .await;
        assert!(
            post["title"].as_str().unwrap().starts_with("Liquid"),
            "{slug}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
    std::fs::remove_dir_all(exported).unwrap();
}

#[tokio::test]
async fn an_astro_site_with_content_collections_imports() {
    let app = default_app().await;
    let token = app.admin_token().await;
    let dir = site("astro");
    let (_, exported) = import_twice_and_round_trip(&app, &token, &dir, &[], 3, &[]).await;
    let first = app.get_json_as(&token, "/api/v1/posts/first-post").await;
    assert_eq!(first["published_at"], "2022-07-08T00:00:00Z");
    assert_eq!(first["status"], "published");
    assert_eq!(first["excerpt"], "Lorem ipsum dolor sit amet");
    assert_eq!(first["metadata"]["heroImage"], "/blog-placeholder-3.jpg");
    let second = app.get_json_as(&token, "/api/v1/posts/second-post").await;
    assert_eq!(second["metadata"]["updatedDate"], "2022-07-20");
    let guide = app.get_json_as(&token, "/api/v1/posts/guide").await;
    assert_eq!(guide["status"], "draft");
    assert_eq!(guide["metadata"]["sidebar"]["order"], 1);
    std::fs::remove_dir_all(dir).unwrap();
    std::fs::remove_dir_all(exported).unwrap();
}

#[tokio::test]
async fn the_import_waits_out_a_tight_rate_limit_instead_of_failing() {
    // Five requests a second, bursts of five. (The files go in one bulk
    // request; the test below makes the bulk requests themselves wait.)
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_RATE_LIMIT_PER_MINUTE".into(), "300".into());
        env.insert("FOLIO_RATE_LIMIT_BURST".into(), "5".into());
    })
    .await;
    let token = app.admin_token().await;
    let dir = temp_dir();
    for i in 0..20 {
        std::fs::write(
            dir.join(format!("post-{i}.md")),
            format!("---\ntitle: Post {i}\ndate: 2024-01-01\n---\nBody {i}.\n"),
        )
        .unwrap();
    }
    let (ok, out) = folio(
        &app,
        &token,
        &["import", dir.to_str().unwrap(), "--concurrency", "8"],
    )
    .await;
    assert!(ok, "{out}");
    assert!(
        out.contains("20 created, 0 updated, 0 unchanged, 0 failed"),
        "{out}"
    );
    // The limit was really met: a burst now is refused.
    let mut refused = false;
    for _ in 0..10 {
        refused |= app.get("/api/v1/posts").send().await.unwrap().status() == 429;
    }
    assert!(refused, "the limit was not in force");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn an_alias_never_sends_a_file_to_another_files_post() {
    let app = default_app().await;
    let token = app.admin_token().await;
    let dir = temp_dir();
    // `b` claims `a` as an old URL; `a` is another file's slug.
    std::fs::write(dir.join("a.md"), "---\ntitle: A\n---\nA").unwrap();
    std::fs::write(dir.join("b.md"), "---\ntitle: B\naliases: [/a/]\n---\nB").unwrap();
    let (ok, out) = folio(&app, &token, &["import", dir.to_str().unwrap()]).await;
    assert!(ok, "{out}");
    assert!(out.contains("2 created"), "{out}");
    assert!(
        out.contains("note          b.md: alias `a` is another file's slug"),
        "{out}"
    );
    let a: Value = app.get_json_as(&token, "/api/v1/posts/a").await;
    assert_eq!(a["title"], "A");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_large_folder_goes_in_bulk_chunks_that_wait_out_the_rate_limit() {
    // One request every two seconds, bursts of two: 230 files are three
    // bulk requests, sent at once; the third is refused and waits.
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_RATE_LIMIT_PER_MINUTE".into(), "30".into());
        env.insert("FOLIO_RATE_LIMIT_BURST".into(), "2".into());
    })
    .await;
    let token = app.admin_token().await;
    let dir = temp_dir();
    for i in 0..230 {
        std::fs::write(
            dir.join(format!("post-{i:03}.md")),
            format!("---\ntitle: Post {i}\ndate: 2024-01-01\n---\nBody {i}.\n"),
        )
        .unwrap();
    }
    let started = std::time::Instant::now();
    let (ok, out) = folio(&app, &token, &["import", dir.to_str().unwrap()]).await;
    assert!(ok, "{out}");
    assert!(
        out.contains("230 created, 0 updated, 0 unchanged, 0 failed"),
        "{out}"
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "the third request did not wait"
    );
    // Again (after the limit's two seconds): every post is there, unchanged.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let (ok, out) = folio(&app, &token, &["import", dir.to_str().unwrap()]).await;
    assert!(ok, "{out}");
    assert!(
        out.contains("0 created, 0 updated, 230 unchanged, 0 failed"),
        "{out}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// The media library's SHA-256s, sorted.
async fn media_shas(app: &TestApp, token: &str) -> Vec<String> {
    let list = app.get_json_as(token, "/api/v1/media?limit=100").await;
    let mut shas: Vec<String> = list["data"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .map(|m| m["sha256"].as_str().unwrap().to_owned())
        .collect();
    shas.sort();
    shas
}

#[tokio::test]
async fn an_import_brings_the_images_a_post_refers_to_and_round_trips_them() {
    let app = default_app().await;
    let token = app.admin_token().await;
    let dir = site("media");
    let (ok, first) = folio(&app, &token, &["import", dir.to_str().unwrap()]).await;
    assert!(ok, "{first}");
    assert!(
        first.contains("2 created, 0 updated, 0 unchanged, 0 failed"),
        "{first}"
    );
    assert!(
        first.contains("content/posts/docker.md: image `nothere.png` not found; left as it is"),
        "{first}"
    );
    let shas = media_shas(&app, &token).await;
    assert_eq!(shas.len(), 2, "../some.png and the bundle's img.png");

    let docker = app.get_json_as(&token, "/api/v1/posts/docker").await;
    let markdown = docker["markdown"].as_str().unwrap();
    assert!(!markdown.contains("../some.png"), "{markdown}");
    assert!(
        markdown.contains("![Remote](https://example.com/remote.png)"),
        "{markdown}"
    );
    assert!(markdown.contains("![Gone](nothere.png)"), "{markdown}");
    let some = docker["media"][0]["sha256"].as_str().unwrap().to_owned();
    assert!(
        markdown.contains(&format!("![Docker](/media/{some}.png \"The whale\")")),
        "{markdown}"
    );
    assert_eq!(docker["metadata"]["image"], format!("/media/{some}.png"));
    let html = docker["html"].as_str().unwrap();
    assert!(html.contains("width=\"40\" height=\"30\""), "{html}");
    assert!(html.contains("decoding=\"async\""), "{html}");
    let bundle = app.get_json_as(&token, "/api/v1/posts/bundle").await;
    let img = bundle["media"][0]["sha256"].as_str().unwrap().to_owned();
    assert_eq!(
        bundle["markdown"]
            .as_str()
            .unwrap()
            .matches(&format!("/media/{img}.png"))
            .count(),
        2,
        "the Markdown image and the raw <img>: {bundle}"
    );
    // The images are served.
    let res = app.get(&format!("/media/{some}.png")).send().await.unwrap();
    assert_eq!(res.status(), 200);

    // Again: nothing new is uploaded and no post changes.
    let (ok, second) = folio(&app, &token, &["import", dir.to_str().unwrap()]).await;
    assert!(
        ok && second.contains("0 created, 0 updated, 2 unchanged, 0 failed"),
        "{second}"
    );
    assert_eq!(media_shas(&app, &token).await, shas);

    // The export writes page bundles with the images beside index.md.
    let exported = temp_dir();
    let (ok, out) = folio(&app, &token, &["export", exported.to_str().unwrap()]).await;
    assert!(ok && out.contains("exported 2 posts"), "{out}");
    let index = std::fs::read_to_string(exported.join("docker/index.md")).unwrap();
    assert!(
        index.contains("![Docker](some.png \"The whale\")"),
        "{index}"
    );
    assert!(!index.contains("/media/"), "{index}");
    assert!(exported.join("docker/some.png").is_file());
    assert!(exported.join("bundle/img.png").is_file());

    // Imported again: unchanged, and no new media.
    let (ok, again) = folio(&app, &token, &["import", exported.to_str().unwrap()]).await;
    assert!(
        ok && again.contains("0 created, 0 updated, 2 unchanged, 0 failed"),
        "{again}"
    );
    assert_eq!(media_shas(&app, &token).await, shas);

    // Into a fresh instance: the same posts and the same images.
    let fresh = default_app().await;
    let fresh_token = fresh.admin_token().await;
    let (ok, out) = folio(
        &fresh,
        &fresh_token,
        &["import", exported.to_str().unwrap()],
    )
    .await;
    assert!(ok && out.contains("2 created"), "{out}");
    assert_eq!(media_shas(&fresh, &fresh_token).await, shas);
    let copy = fresh
        .get_json_as(&fresh_token, "/api/v1/posts/docker")
        .await;
    assert_eq!(copy["markdown"], docker["markdown"]);
    assert_eq!(copy["metadata"], docker["metadata"]);
    for d in [dir, exported] {
        std::fs::remove_dir_all(d).unwrap();
    }
}
