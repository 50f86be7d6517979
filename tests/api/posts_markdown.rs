use reqwest::Method;
use serde_json::Value;

use crate::helpers::test_app::assert_problem;
use crate::helpers::{TestApp, id_of, post_path, snapshots};

/// A post the way a Hugo or Astro site keeps it.
const BLOG_POST: &str = r#"---
title: "Shipping Folio: a Rust CMS"
date: 2024-03-10T14:30:00+01:00
tags: ["rust", "cms"]
description: How we built it.
categories: [engineering]
cover:
  image: ../images/cover.png
  alt: The cover
---

# Shipping Folio

We wrote it in **Rust**. See [the docs](https://example.com/docs?v=1#:~:text=fast).

![Architecture](../images/arch.png "How it fits")

> Quote
with lazy continuation

- [x] render
- [ ] cache

| a | b |
|:-:|---|
| 1 | 2 |

A note.[^1]

[^1]: The footnote.

<img src=x onerror=alert(1)> <a href="javascript:alert(1)">bad</a>
"#;

#[tokio::test]
async fn a_markdown_file_imports_with_its_front_matter_mapped_to_fields() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let res = app.import_markdown(&token, BLOG_POST).await;
    assert_eq!(res.status(), 201);
    assert!(res.headers().contains_key("location"));
    let post: Value = res.json().await.unwrap();
    // The front matter becomes fields (a dated file without `draft: true`
    // is published, its date in UTC); the rest of the file is the body.
    snapshots::redacted().bind(|| {
        insta::assert_json_snapshot!("imported_post", post, {
            ".html" => "[in the imported_post_html snapshot]",
        });
    });

    // Anchors, links, lazy images, lazy continuation, task lists, table
    // alignment and footnotes, all sanitised.
    let html = post["html"].as_str().unwrap();
    insta::assert_snapshot!("imported_post_html", html);
    assert!(
        !html.contains("onerror") && !html.contains("javascript:"),
        "{html}"
    );
    assert!(
        !html.contains("<hr") && !html.contains("title:"),
        "front matter leaked: {html}"
    );
}

#[tokio::test]
async fn export_then_import_gives_an_equivalent_post() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let original = app.imported_post(&token, BLOG_POST).await;
    let id = id_of(&original);

    let res = app.get_markdown(&post_path(&original)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/markdown; charset=utf-8"
    );
    let exported = res.text().await.unwrap();
    assert!(
        exported.starts_with("---\ntitle: 'Shipping Folio: a Rust CMS'\n"),
        "{exported}"
    );
    assert!(
        exported.contains("\ndate: 2024-03-10T13:30:00Z\n"),
        "{exported}"
    );

    let deleted = app.delete_post(&token, id).await;
    assert_eq!(deleted.status(), 204);
    let reimported = app.imported_post(&token, &exported).await;
    for field in [
        "title",
        "slug",
        "status",
        "published_at",
        "tags",
        "excerpt",
        "metadata",
        "markdown",
        "html",
    ] {
        assert_eq!(reimported[field], original[field], "{field}");
    }
    // And exporting again gives the very same file.
    let again = app.export_markdown(id_of(&reimported)).await;
    assert_eq!(again, exported);
}

#[tokio::test]
async fn json_stays_the_default_representation() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    app.imported_post(&token, BLOG_POST).await;
    for accept in [
        "*/*",
        "application/json",
        "application/json, text/markdown;q=0.5",
        "text/html",
    ] {
        let res = app
            .get("/api/v1/posts/shipping-folio-a-rust-cms")
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.headers()["content-type"],
            "application/json",
            "{accept}"
        );
    }
}

#[tokio::test]
async fn drafts_and_undated_files_import_as_drafts() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    for file in [
        "---\ntitle: Draft one\ndate: 2024-01-01\ndraft: true\n---\nbody",
        "---\ntitle: Draft two\n---\nbody",
    ] {
        let post = app.imported_post(&token, file).await;
        assert_eq!(post["status"], "draft", "{file}");
    }
}

#[tokio::test]
async fn bad_markdown_files_are_clear_4xx_problems() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let cases: [(&[u8], u16); 6] = [
        (b"---\ntitle: never closed\n", 422),
        (b"---\ntitle: [unclosed\n---\nbody", 422),
        (b"---\n- a list\n---\nbody", 422),
        (b"---\ndate: 2024-01-01\n---\nno title", 422),
        (b"---\ntitle: t\ndate: someday\n---\nbody", 422),
        (b"---\ntitle: t\n---\n\xff\xfe invalid utf-8", 400),
    ];
    for (file, status) in cases {
        let res = app
            .request(Method::POST, "/api/v1/posts")
            .bearer_auth(&token)
            .header("content-type", "text/markdown; charset=utf-8")
            .body(file.to_vec())
            .send()
            .await
            .unwrap();
        assert_problem(res, status).await;
    }
}
