//! What the renderer gives frontends through the posts API: anchors, a
//! table of contents, derived text, resolved and lazy images.

use serde_json::json;

use crate::helpers::test_app::assert_problem;
use crate::helpers::{TestApp, id_of};

/// A post the way a static-site folder keeps it: `content/posts/x.md`,
/// its images in `content/images/`.
const STATIC_SITE_POST: &str = r#"---
title: Moving to Folio
date: 2024-06-01
---

Why we moved.

## Before

![The old setup](../images/before.png "Before")

## After {#after-the-move}

See [before](#before) and [the guide](../guide/).

### Before

Again.[^1]

[^1]: A footnote.
"#;

#[tokio::test]
async fn a_static_site_post_renders_with_working_anchors_and_image_urls() {
    let app = TestApp::spawn_with(|env| {
        env.insert(
            "FOLIO_MEDIA_BASE_URL".into(),
            "https://cdn.example.com/content/posts".into(),
        );
    })
    .await;
    let token = app.admin_token().await;
    app.imported_post(&token, STATIC_SITE_POST).await;

    let post = app
        .get_json("/api/v1/posts/moving-to-folio?formats=toc")
        .await;
    let html = post["html"].as_str().unwrap();
    for expected in [
        r#"<h2 id="user-content-before">Before</h2>"#,
        r#"<h2 id="user-content-after-the-move">After</h2>"#,
        r#"<h3 id="user-content-before-1">Before</h3>"#,
        r#"<img src="https://cdn.example.com/content/images/before.png" alt="The old setup" title="Before" loading="lazy">"#,
        r##"<a href="#user-content-before" rel="noopener noreferrer">before</a>"##,
        r#"<a href="https://cdn.example.com/content/guide/" rel="noopener noreferrer">the guide</a>"#,
        r##"<a href="#user-content-1" rel="noopener noreferrer">1</a>"##,
        r#"<div class="footnote-definition" id="user-content-1">"#,
    ] {
        assert!(html.contains(expected), "missing {expected} in\n{html}");
    }
    assert_eq!(
        post["toc"],
        json!([
            {"level": 2, "text": "Before", "id": "user-content-before"},
            {"level": 2, "text": "After", "id": "user-content-after-the-move"},
            {"level": 3, "text": "Before", "id": "user-content-before-1"},
        ])
    );
    // Every anchor in the table of contents exists in the HTML.
    for entry in post["toc"].as_array().unwrap() {
        assert!(html.contains(&format!("id=\"{}\"", entry["id"].as_str().unwrap())));
    }
}

#[tokio::test]
async fn posts_carry_word_count_reading_time_and_a_derived_excerpt() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let body = format!("# Long read\n\n{}\n", "word ".repeat(500));
    let created = app
        .publish_with(&token, "Long", json!({"markdown": body}))
        .await;
    assert_eq!(created["word_count"], 502);
    assert_eq!(created["reading_time"], 3);
    let excerpt = created["excerpt"].as_str().unwrap();
    assert!(excerpt.starts_with("Long read word word"), "{excerpt}");
    assert!(excerpt.ends_with("word…") && excerpt.chars().count() <= 201);
    assert!(created.get("toc").is_none(), "toc only when asked for");

    let list = app.get_json("/api/v1/posts").await;
    assert_eq!(list["data"][0]["word_count"], 502);
    assert_eq!(list["data"][0]["reading_time"], 3);

    let id = id_of(&created);
    let with_text = app
        .get_json(&format!("/api/v1/posts/{id}?formats=plaintext,toc"))
        .await;
    assert!(
        with_text["plain_text"]
            .as_str()
            .unwrap()
            .starts_with("Long read word word")
    );
    assert_eq!(
        with_text["toc"],
        json!([{"level": 1, "text": "Long read", "id": "user-content-long-read"}])
    );
}

#[tokio::test]
async fn a_new_body_updates_the_derived_fields() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let created = app
        .draft_with(&token, "T", json!({"markdown": "one two"}))
        .await;
    let id = id_of(&created);
    app.patched_post(&token, id, json!({"markdown": "## New\n\none two three"}))
        .await;
    let updated = app
        .get_json_as(&token, &format!("/api/v1/posts/{id}?formats=toc"))
        .await;
    assert_eq!(updated["word_count"], 4);
    assert_eq!(updated["excerpt"], "New one two three");
    assert_eq!(updated["toc"][0]["id"], "user-content-new");
}

#[tokio::test]
async fn an_unknown_format_is_a_400() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    app.publish(&token, "T").await;
    let res = app
        .get("/api/v1/posts/t?formats=toc,pdf")
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 400).await;
    assert!(problem["detail"].as_str().unwrap().contains("pdf"));
}
