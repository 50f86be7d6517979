//! Strong ETags and If-Match: two writers with the same copy never both win.

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::test_app::assert_problem;

fn etag(res: &Response) -> String {
    res.headers()
        .get("etag")
        .expect("an ETag header")
        .to_str()
        .unwrap()
        .to_owned()
}

async fn patch(
    app: &TestApp,
    token: &str,
    id: &str,
    if_match: Option<&str>,
    body: Value,
) -> Response {
    let mut req = app
        .request(Method::PATCH, &format!("/api/v1/posts/{id}"))
        .bearer_auth(token)
        .json(&body);
    if let Some(tag) = if_match {
        req = req.header("if-match", tag);
    }
    req.send().await.unwrap()
}

async fn delete(app: &TestApp, token: &str, id: &str, if_match: Option<&str>) -> Response {
    let mut req = app
        .request(Method::DELETE, &format!("/api/v1/posts/{id}"))
        .bearer_auth(token);
    if let Some(tag) = if_match {
        req = req.header("if-match", tag);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn every_single_post_response_carries_a_strong_etag_that_changes_on_write() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let res = app
        .create_post(
            &token,
            json!({"title": "Tagged", "markdown": "x", "status": "published"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let created = etag(&res);
    assert!(
        created.starts_with('"') && created.ends_with('"'),
        "{created}"
    );
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let got = app
        .get(&format!("/api/v1/posts/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(etag(&got), created, "GET and POST agree");
    let md = app
        .get("/api/v1/posts/tagged")
        .header("accept", "text/markdown")
        .send()
        .await
        .unwrap();
    let html = app.get("/api/v1/posts/tagged/html").send().await.unwrap();
    assert_ne!(etag(&md), created, "each representation has its own tag");
    assert_ne!(etag(&html), created);

    let res = patch(&app, &token, &id, None, json!({"title": "Retitled"})).await;
    assert_eq!(res.status(), 200);
    let patched = etag(&res);
    assert_ne!(patched, created);
    let got = app
        .get(&format!("/api/v1/posts/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(etag(&got), patched);
}

#[tokio::test]
async fn a_patch_with_a_stale_if_match_is_412_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let res = app
        .create_post(&token, json!({"title": "One", "markdown": "x"}))
        .await;
    let first = etag(&res);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = patch(&app, &token, &id, Some(&first), json!({"title": "Two"})).await;
    assert_eq!(res.status(), 200);
    let second = etag(&res);

    let res = patch(&app, &token, &id, Some(&first), json!({"title": "Three"})).await;
    let problem = assert_problem(res, 412).await;
    assert_eq!(problem["type"], "/problems/precondition-failed");
    // The Markdown export's tag and `*` are accepted too; a weak tag never is.
    let weak = format!("W/{second}");
    let res = patch(&app, &token, &id, Some(&weak), json!({"title": "Three"})).await;
    assert_problem(res, 412).await;
    let res = patch(
        &app,
        &token,
        &id,
        Some("not-quoted"),
        json!({"title": "Three"}),
    )
    .await;
    assert_problem(res, 400).await;

    let got: Value = app
        .get(&format!("/api/v1/posts/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["title"], "Two");

    let md = app
        .get(&format!("/api/v1/posts/{id}"))
        .bearer_auth(&token)
        .header("accept", "text/markdown")
        .send()
        .await
        .unwrap();
    let md_tag = etag(&md);
    let res = patch(
        &app,
        &token,
        &id,
        Some(&format!("\"nope\", {md_tag}")),
        json!({"title": "Four"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = patch(&app, &token, &id, Some("*"), json!({"title": "Five"})).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn two_concurrent_patches_with_the_same_if_match_let_exactly_one_win() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let res = app
        .create_post(&token, json!({"title": "Race", "markdown": "x"}))
        .await;
    let mut tag = etag(&res);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for round in 0..5 {
        let a = format!("A{round}");
        let b = format!("B{round}");
        let (ra, rb) = tokio::join!(
            patch(
                &app,
                &token,
                &id,
                Some(&tag),
                json!({"title": a, "markdown": a})
            ),
            patch(
                &app,
                &token,
                &id,
                Some(&tag),
                json!({"title": b, "markdown": b})
            ),
        );
        let statuses = [ra.status().as_u16(), rb.status().as_u16()];
        let (winner, loser, title) = match statuses {
            [200, 412] => (ra, rb, a),
            [412, 200] => (rb, ra, b),
            other => panic!("round {round}: expected one 200 and one 412, got {other:?}"),
        };
        assert_problem(loser, 412).await;
        tag = etag(&winner);
        // No lost update: the stored post is entirely the winner's.
        let got: Value = app
            .get(&format!("/api/v1/posts/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(got["title"], title.as_str());
        assert_eq!(got["markdown"], title.as_str());
    }
}

#[tokio::test]
async fn a_delete_honours_if_match() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let res = app
        .create_post(&token, json!({"title": "Doomed", "markdown": "x"}))
        .await;
    let first = etag(&res);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = patch(&app, &token, &id, None, json!({"title": "Changed"})).await;
    let second = etag(&res);
    assert_problem(delete(&app, &token, &id, Some(&first)).await, 412).await;
    let still = app
        .get(&format!("/api/v1/posts/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), 200);
    assert_eq!(delete(&app, &token, &id, Some(&second)).await.status(), 204);
}

#[tokio::test]
async fn with_if_match_required_writes_without_it_are_428() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_REQUIRE_IF_MATCH".into(), "true".into());
    })
    .await;
    let token = app.admin_token().await;
    let res = app
        .create_post(&token, json!({"title": "Strict", "markdown": "x"}))
        .await;
    let tag = etag(&res);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let problem = assert_problem(
        patch(&app, &token, &id, None, json!({"title": "No"})).await,
        428,
    )
    .await;
    assert_eq!(problem["type"], "/problems/precondition-required");
    assert_problem(delete(&app, &token, &id, None).await, 428).await;
    let res = patch(&app, &token, &id, Some(&tag), json!({"title": "Yes"})).await;
    assert_eq!(res.status(), 200);
    let tag = etag(&res);
    assert_eq!(delete(&app, &token, &id, Some(&tag)).await.status(), 204);
}
