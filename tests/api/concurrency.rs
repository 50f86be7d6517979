//! Strong ETags and If-Match: two writers with the same copy never both win.

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::test_app::assert_problem;
use crate::helpers::{TestApp, id_of};

fn etag(res: &Response) -> String {
    res.headers()
        .get("etag")
        .expect("an ETag header")
        .to_str()
        .unwrap()
        .to_owned()
}

/// Creates a draft; returns its ETag and its id.
async fn draft_with_etag(app: &TestApp, token: &str, title: &str) -> (String, String) {
    let res = app
        .create_post(token, json!({"title": title, "markdown": "x"}))
        .await;
    assert_eq!(res.status(), 201);
    let tag = etag(&res);
    let post: Value = res.json().await.unwrap();
    (tag, id_of(&post).to_owned())
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
    let id = id_of(&res.json::<Value>().await.unwrap()).to_owned();

    let got = app
        .get(&format!("/api/v1/posts/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(etag(&got), created, "GET and POST agree");
    let md = app.get_markdown("/api/v1/posts/tagged").await;
    let html = app.get("/api/v1/posts/tagged/html").send().await.unwrap();
    assert_ne!(etag(&md), created, "each representation has its own tag");
    assert_ne!(etag(&html), created);

    let res = app
        .patch_post(&token, &id, json!({"title": "Retitled"}))
        .await;
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
    let (first, id) = draft_with_etag(&app, &token, "One").await;
    let patch = async |if_match: &str, title: &str| {
        app.patch_post_if_match(&token, &id, Some(if_match), json!({"title": title}))
            .await
    };
    let res = patch(&first, "Two").await;
    assert_eq!(res.status(), 200);
    let second = etag(&res);

    let problem = assert_problem(patch(&first, "Three").await, 412).await;
    assert_eq!(problem["type"], "/problems/precondition-failed");
    // The Markdown export's tag and `*` are accepted too; a weak tag never is.
    assert_problem(patch(&format!("W/{second}"), "Three").await, 412).await;
    assert_problem(patch("not-quoted", "Three").await, 400).await;

    let got = app
        .get_json_as(&token, &format!("/api/v1/posts/{id}"))
        .await;
    assert_eq!(got["title"], "Two");

    let md = app
        .get(&format!("/api/v1/posts/{id}"))
        .bearer_auth(&token)
        .header("accept", "text/markdown")
        .send()
        .await
        .unwrap();
    let md_tag = etag(&md);
    let res = patch(&format!("\"nope\", {md_tag}"), "Four").await;
    assert_eq!(res.status(), 200);
    let res = patch("*", "Five").await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn two_concurrent_patches_with_the_same_if_match_let_exactly_one_win() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let (mut tag, id) = draft_with_etag(&app, &token, "Race").await;
    for round in 0..5 {
        let a = format!("A{round}");
        let b = format!("B{round}");
        let (ra, rb) = tokio::join!(
            app.patch_post_if_match(&token, &id, Some(&tag), json!({"title": a, "markdown": a})),
            app.patch_post_if_match(&token, &id, Some(&tag), json!({"title": b, "markdown": b})),
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
        let got = app
            .get_json_as(&token, &format!("/api/v1/posts/{id}"))
            .await;
        assert_eq!(got["title"], title.as_str());
        assert_eq!(got["markdown"], title.as_str());
    }
}

#[tokio::test]
async fn a_delete_honours_if_match() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let (first, id) = draft_with_etag(&app, &token, "Doomed").await;
    let res = app
        .patch_post(&token, &id, json!({"title": "Changed"}))
        .await;
    let second = etag(&res);
    assert_problem(
        app.delete_post_if_match(&token, &id, Some(&first)).await,
        412,
    )
    .await;
    let still = app.get_as(&token, &format!("/api/v1/posts/{id}")).await;
    assert_eq!(still.status(), 200);
    let res = app.delete_post_if_match(&token, &id, Some(&second)).await;
    assert_eq!(res.status(), 204);
}

#[tokio::test]
async fn with_if_match_required_writes_without_it_are_428() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_REQUIRE_IF_MATCH".into(), "true".into());
    })
    .await;
    let token = app.admin_token().await;
    let (tag, id) = draft_with_etag(&app, &token, "Strict").await;
    let problem = assert_problem(
        app.patch_post(&token, &id, json!({"title": "No"})).await,
        428,
    )
    .await;
    assert_eq!(problem["type"], "/problems/precondition-required");
    assert_problem(app.delete_post(&token, &id).await, 428).await;
    let res = app
        .patch_post_if_match(&token, &id, Some(&tag), json!({"title": "Yes"}))
        .await;
    assert_eq!(res.status(), 200);
    let tag = etag(&res);
    let res = app.delete_post_if_match(&token, &id, Some(&tag)).await;
    assert_eq!(res.status(), 204);
}

async fn put_markdown(
    app: &TestApp,
    token: &str,
    id: &str,
    if_match: &str,
    file: String,
) -> Response {
    app.request(Method::PUT, &format!("/api/v1/posts/{id}"))
        .bearer_auth(token)
        .header("content-type", "text/markdown")
        .header("if-match", if_match)
        .body(file)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn put_replaces_a_post_from_its_exported_file_and_honours_if_match() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let post = app
        .publish_with(
            &token,
            "Whole",
            json!({"markdown": "Old body", "tags": ["a"]}),
        )
        .await;
    let id = id_of(&post).to_owned();
    let md = app.get_markdown(&format!("/api/v1/posts/{id}")).await;
    let tag = etag(&md);
    let file = md.text().await.unwrap().replace("Old body", "New body");

    let res = put_markdown(&app, &token, &id, &tag, file.clone()).await;
    assert_eq!(res.status(), 200);
    assert_ne!(etag(&res), tag);
    let replaced: Value = res.json().await.unwrap();
    assert_eq!(replaced["id"], post["id"]);
    assert_eq!(replaced["markdown"], "New body");
    assert_eq!(replaced["html"], "<p>New body</p>\n");
    assert_eq!(replaced["published_at"], post["published_at"]);
    assert_eq!(replaced["tags"], json!(["a"]));

    // The same stale tag again: 412, nothing written.
    let res = put_markdown(&app, &token, &id, &tag, file.replace("New body", "Lost")).await;
    assert_problem(res, 412).await;

    // A JSON replacement resets what it leaves out, but keeps the slug and date.
    let res = app
        .request(Method::PUT, &format!("/api/v1/posts/{id}"))
        .bearer_auth(&token)
        .json(&json!({"title": "Whole", "markdown": "Bare", "status": "published"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let bare: Value = res.json().await.unwrap();
    assert_eq!(bare["tags"], json!([]));
    assert_eq!(bare["slug"], "whole");
    assert_eq!(bare["published_at"], post["published_at"]);
    let revisions = app
        .get_json_as(&token, &format!("/api/v1/posts/{id}/revisions"))
        .await;
    assert_eq!(revisions["data"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn two_concurrent_puts_with_the_same_if_match_let_exactly_one_win() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let (tag, id) = draft_with_etag(&app, &token, "Race").await;
    let file = |body: &str| format!("---\ntitle: Race\n---\n{body}");
    let (a, b) = tokio::join!(
        put_markdown(&app, &token, &id, &tag, file("A")),
        put_markdown(&app, &token, &id, &tag, file("B")),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412]);
}
