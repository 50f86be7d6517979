//! Renaming a slug keeps the old one: it answers 301 to the current URL.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::test_app::assert_problem;

async fn rename(app: &TestApp, token: &str, id: &str, slug: &str) {
    let res = app
        .request(Method::PATCH, &format!("/api/v1/posts/{id}"))
        .bearer_auth(token)
        .json(&json!({"slug": slug}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_old_slug_answers_301_to_the_current_url() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let post = app
        .created_post(
            &token,
            json!({"title": "T", "slug": "first", "markdown": "x", "status": "published"}),
        )
        .await;
    let id = post["id"].as_str().unwrap();
    rename(&app, &token, id, "second").await;
    rename(&app, &token, id, "third").await;

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
    let current: Value = app
        .get("/api/v1/posts/third")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    let post = app
        .created_post(
            &token,
            json!({"title": "T", "slug": "hidden", "markdown": "x"}),
        )
        .await;
    rename(&app, &token, post["id"].as_str().unwrap(), "still-hidden").await;
    assert_problem(app.get("/api/v1/posts/hidden").send().await.unwrap(), 404).await;
    let res = app
        .get("/api/v1/posts/hidden")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 301);
}

#[tokio::test]
async fn a_post_that_takes_an_old_slug_wins_over_the_alias() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let post = app
        .created_post(
            &token,
            json!({"title": "T", "slug": "taken", "markdown": "x", "status": "published"}),
        )
        .await;
    rename(&app, &token, post["id"].as_str().unwrap(), "moved").await;
    let newcomer = app
        .created_post(
            &token,
            json!({"title": "N", "slug": "taken", "markdown": "y", "status": "published"}),
        )
        .await;
    let got: Value = app
        .get("/api/v1/posts/taken")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["id"], newcomer["id"]);
}
