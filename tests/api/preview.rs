//! `POST /api/v1/render`: live preview, nothing stored.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::test_app::assert_problem;

const DOCUMENT: &str = "---\ntitle: Draft\ndescription: A short summary.\ntags: [a, b]\n---\n\n## Hello *there*\n\n![Pic](pic.png)\n\nSome words <script>alert(1)</script><img src=x onerror=alert(1)>\n";

impl TestApp {
    async fn preview(
        &self,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> reqwest::Response {
        let mut req = self
            .request(Method::POST, "/api/v1/render")
            .header("content-type", content_type)
            .body(body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.expect("preview")
    }
}

#[tokio::test]
async fn a_markdown_document_previews_with_everything_a_post_would_carry() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let res = app
        .preview(
            Some(&token),
            "text/markdown; charset=utf-8",
            DOCUMENT.into(),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let html = body["html"].as_str().unwrap();
    assert!(
        !html.contains("<script") && !html.contains("onerror"),
        "{html}"
    );
    insta::assert_json_snapshot!("markdown_preview", body);

    // Nothing was stored.
    let list = app.get_json_as(&token, "/api/v1/posts").await;
    assert_eq!(list["meta"]["pagination"]["total"], 0);
}

#[tokio::test]
async fn json_previews_derive_the_excerpt_and_have_no_front_matter() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_with_role("contributor").await;
    let res = app
        .preview(
            Some(&token),
            "application/json",
            serde_json::to_vec(&json!({"markdown": "# Title\n\nBody text."})).unwrap(),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["excerpt"], "Title Body text.");
    assert_eq!(body["front_matter"], Value::Null);
    assert_eq!(body["toc"][0]["id"], "user-content-title");
}

#[tokio::test]
async fn previews_need_a_signed_in_caller() {
    let app = TestApp::spawn().await;
    let res = app.preview(None, "text/markdown", b"# Hi".to_vec()).await;
    assert_problem(res, 401).await;
}

#[tokio::test]
async fn previews_are_size_limited() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_MAX_MARKDOWN_BYTES".into(), "1024".into());
    })
    .await;
    let token = app.admin_token().await;
    let big = "word ".repeat(400);
    let res = app
        .preview(Some(&token), "text/markdown", big.clone().into_bytes())
        .await;
    assert_problem(res, 413).await;
    let res = app
        .preview(
            Some(&token),
            "application/json",
            serde_json::to_vec(&json!({ "markdown": big })).unwrap(),
        )
        .await;
    assert_problem(res, 413).await;
}

#[tokio::test]
async fn bad_previews_are_clear_4xx_problems() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        (
            "text/markdown",
            b"---\ntitle: [unclosed\n---\nx".to_vec(),
            422,
        ),
        ("text/markdown", b"---\ntitle: never closed\n".to_vec(), 422),
        ("text/markdown", vec![0xff, 0xfe, b'x'], 400),
        ("application/json", b"{\"markdown\": ".to_vec(), 400),
        (
            "application/json",
            b"{\"markdown\": \"x\", \"extra\": 1}".to_vec(),
            422,
        ),
        ("application/json", b"{}".to_vec(), 422),
        ("text/plain", b"# Hi".to_vec(), 415),
    ];
    for (content_type, body, status) in cases {
        let res = app.preview(Some(&token), content_type, body).await;
        let problem = assert_problem(res, status).await;
        if status == 422 {
            assert!(problem["errors"][0]["field"].is_string(), "{problem}");
        }
    }
}
