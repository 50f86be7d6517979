//! `folio import` / `folio export` against a live Folio, as authors run them.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::helpers::TestApp;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/blog");

/// Runs the CLI; returns its exit success and standard output.
async fn folio(app: &TestApp, token: &str, args: &[&str]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_folio"));
    command
        .args(args)
        .env("FOLIO_URL", &app.base)
        .env("FOLIO_TOKEN", token);
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    (out.status.success(), format!("{stdout}{stderr}"))
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("folio-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[tokio::test]
async fn import_is_idempotent_and_export_round_trips() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let site = temp_dir();
    copy_tree(Path::new(FIXTURES), &site);
    let site_arg = site.to_str().unwrap();

    let (ok, out) = folio(&app, &token, &["import", site_arg, "--dry-run"]).await;
    assert!(ok, "{out}");
    assert!(
        out.contains("4 created, 0 updated, 0 unchanged, 0 failed (dry run"),
        "{out}"
    );
    let list: Value = app
        .get("/api/v1/posts")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["meta"]["pagination"]["total"], 0,
        "a dry run changes nothing"
    );

    let (ok, out) = folio(&app, &token, &["import", site_arg]).await;
    assert!(ok, "{out}");
    assert!(
        out.contains("4 created, 0 updated, 0 unchanged, 0 failed"),
        "{out}"
    );
    for (slug, title, status) in [
        ("first-post", "My First Post", "published"),
        ("bundle", "A page bundle", "published"),
        ("jekyll-style", "Jekyll style", "published"),
        ("draft-notes", "Unfinished notes", "draft"),
    ] {
        let post: Value = app
            .get(&format!("/api/v1/posts/{slug}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(post["title"], title, "{slug}");
        assert_eq!(post["status"], status, "{slug}");
        if slug == "first-post" {
            assert_eq!(post["featured"], true);
            assert_eq!(post["feature_image"], "/images/first.png");
            assert_eq!(
                post["meta_description"],
                "A first post, for search engines."
            );
        }
    }

    // A second run changes nothing.
    let (ok, out) = folio(&app, &token, &["import", site_arg]).await;
    assert!(ok, "{out}");
    assert!(
        out.contains("0 created, 0 updated, 4 unchanged, 0 failed"),
        "{out}"
    );

    // An edited file is updated, and only that one.
    let file = site.join("content/posts/first-post.md");
    let edited = std::fs::read_to_string(&file)
        .unwrap()
        .replace("My First Post", "My Edited Post");
    std::fs::write(&file, edited).unwrap();
    let (ok, out) = folio(&app, &token, &["import", site_arg]).await;
    assert!(ok, "{out}");
    assert!(out.contains("updated       first-post"), "{out}");
    assert!(
        out.contains("0 created, 1 updated, 3 unchanged, 0 failed"),
        "{out}"
    );

    // Export everything, and importing the export changes nothing.
    let exported = temp_dir();
    let (ok, out) = folio(&app, &token, &["export", exported.to_str().unwrap()]).await;
    assert!(ok, "{out}");
    assert!(out.contains("exported 4 posts"), "{out}");
    let names: Vec<String> = std::fs::read_dir(&exported)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    let (ok, out) = folio(&app, &token, &["import", exported.to_str().unwrap()]).await;
    assert!(ok, "{out}");
    assert!(
        out.contains("0 created, 0 updated, 4 unchanged, 0 failed"),
        "{out}"
    );
    let first = std::fs::read_to_string(exported.join("first-post.md")).unwrap();
    assert!(
        first.contains("title: My Edited Post")
            && first.contains("categories:")
            && first.contains("featured: true"),
        "{first}"
    );

    std::fs::remove_dir_all(site).unwrap();
    std::fs::remove_dir_all(exported).unwrap();
}

#[tokio::test]
async fn import_reports_each_failure_with_its_reason_and_exits_non_zero() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let site = temp_dir();
    std::fs::write(site.join("good.md"), "---\ntitle: Good\n---\nfine").unwrap();
    std::fs::write(
        site.join("no-title.md"),
        "---\ndate: 2024-01-01\n---\nno title",
    )
    .unwrap();
    std::fs::write(
        site.join("bad-date.md"),
        "---\ntitle: x\ndate: someday\n---\n",
    )
    .unwrap();
    let (ok, out) = folio(&app, &token, &["import", site.to_str().unwrap()]).await;
    assert!(!ok, "{out}");
    assert!(
        out.contains("failed        no-title.md: title: is required in the front matter"),
        "{out}"
    );
    assert!(out.contains("failed        bad-date.md: date:"), "{out}");
    assert!(
        out.contains("1 created, 0 updated, 0 unchanged, 2 failed"),
        "{out}"
    );

    let (ok, out) = folio(&app, "not-a-token", &["import", site.to_str().unwrap()]).await;
    assert!(!ok);
    assert!(out.contains("401"), "{out}");
    std::fs::remove_dir_all(site).unwrap();
}
