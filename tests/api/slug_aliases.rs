//! Renaming a slug keeps the old one: it answers 301 to the current URL.

use serde_json::json;

use crate::helpers::test_app::assert_problem;
use crate::helpers::{TestApp, id_of};

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_old_slug_answers_301_to_the_current_url() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let post = app
        .publish_with(&token, "T", json!({"slug": "first"}))
        .await;
    let id = id_of(&post);
    app.patched_post(&token, id, json!({"slug": "second"}))
        .await;
    app.patched_post(&token, id, json!({"slug": "third"})).await;

    for old in ["first", "second"] {
        let res = app
            .get(&format!("/api/v1/posts/{old}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 301, "{old}");
        assert_eq!(location(&res), app.url("/api/v1/posts/third"));
        let res = app
            .get(&format!("/api/v1/posts/{old}/html"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 301);
        assert_eq!(location(&res), app.url("/api/v1/posts/third/html"));
    }
    let current = app.get_json("/api/v1/posts/third").await;
    assert_eq!(current["id"], post["id"]);
    assert_problem(
        app.get("/api/v1/posts/never-was").send().await.unwrap(),
        404,
    )
    .await;
}

#[tokio::test]
async fn an_old_slug_of_a_post_the_caller_cannot_see_is_404() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let post = app.draft_with(&token, "T", json!({"slug": "hidden"})).await;
    app.patched_post(&token, id_of(&post), json!({"slug": "still-hidden"}))
        .await;
    assert_problem(app.get("/api/v1/posts/hidden").send().await.unwrap(), 404).await;
    let res = app.get_as(&token, "/api/v1/posts/hidden").await;
    assert_eq!(res.status(), 301);
}

#[tokio::test]
async fn a_post_that_takes_an_old_slug_wins_over_the_alias() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let post = app
        .publish_with(&token, "T", json!({"slug": "taken"}))
        .await;
    app.patched_post(&token, id_of(&post), json!({"slug": "moved"}))
        .await;
    let newcomer = app
        .publish_with(&token, "N", json!({"slug": "taken", "markdown": "y"}))
        .await;
    let got = app.get_json("/api/v1/posts/taken").await;
    assert_eq!(got["id"], newcomer["id"]);
}
