//! `folio import` / `folio export` against a live Folio, as authors run them.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::helpers::TestApp;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/blog");

/// Runs the CLI; returns its exit success and standard output.
pub(crate) async fn folio(app: &TestApp, token: &str, args: &[&str]) -> (bool, String) {
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

pub(crate) fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("folio-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) fn copy_tree(from: &Path, to: &Path) {
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
    let list = app.get_json_as(&token, "/api/v1/posts").await;
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
        let post = app
            .get_json_as(&token, &format!("/api/v1/posts/{slug}"))
            .await;
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
    // No title and no heading: the file name is the title.
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
    std::fs::write(site.join("bad-toml.md"), "+++\ntitle = \n+++\nbody").unwrap();
    let (ok, out) = folio(&app, &token, &["import", site.to_str().unwrap()]).await;
    assert!(!ok, "{out}");
    assert!(
        out.contains("failed        bad-toml.md: front_matter: front matter is not valid TOML"),
        "{out}"
    );
    assert!(out.contains("failed        bad-date.md: date:"), "{out}");
    assert!(
        out.contains("2 created, 0 updated, 0 unchanged, 2 failed"),
        "{out}"
    );
    let post = app.get_json_as(&token, "/api/v1/posts/no-title").await;
    assert_eq!(post["title"], "No title");

    let (ok, out) = folio(&app, "not-a-token", &["import", site.to_str().unwrap()]).await;
    assert!(!ok);
    assert!(out.contains("401"), "{out}");
    std::fs::remove_dir_all(site).unwrap();
}

/// Runs the CLI against any URL (no running Folio needed).
async fn folio_at(url: &str, args: &[&str]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_folio"));
    command
        .args(args)
        .env("FOLIO_URL", url)
        .env("FOLIO_TOKEN", "folio_x");
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn the_cli_speaks_https_and_sends_no_token_over_plain_http_to_another_machine() {
    let dir = temp_dir();
    let dir_arg = dir.to_str().unwrap();
    let (ok, out) = folio_at("http://cms.example.com", &["export", dir_arg]).await;
    assert!(!ok && out.contains("plain HTTP"), "{out}");
    // HTTPS is built in: against a server that speaks plain HTTP, the TLS
    // handshake is what fails (not an unsupported scheme).
    let app = TestApp::spawn().await;
    let https = app.base.replace("http://", "https://");
    let (ok, out) = folio_at(&https, &["export", dir_arg]).await;
    // rustls's words for "the other side does not speak TLS".
    let tls_failed = ["tls", "corrupt message", "invalidcontenttype"]
        .iter()
        .any(|w| out.to_lowercase().contains(w));
    assert!(!ok && tls_failed && !out.contains("scheme"), "{out}");
}

#[tokio::test]
async fn export_refuses_a_slug_that_would_leave_its_folder() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A server that is not Folio, or a compromised one, naming a post
    // `../../escaped`.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0u8; 4096];
            let n = socket.read(&mut buf).await.unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]).into_owned();
            let body = if request.starts_with("GET /api/v1/posts?") {
                serde_json::json!({
                    "data": [{"id": "0190c0de-0000-7000-8000-000000000001", "slug": "../../escaped"}],
                    "meta": {"pagination": {"pages": 1}}
                })
                .to_string()
            } else {
                "---\ntitle: x\n---\nowned\n".to_owned()
            };
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    let root = temp_dir();
    let dir = root.join("a").join("b");
    let (ok, out) = folio_at(&url, &["export", dir.to_str().unwrap()]).await;
    assert!(!ok && out.contains("not a slug"), "{out}");
    assert!(!root.join("escaped.md").exists());
    assert!(!dir.join("../../escaped.md").exists());
}
