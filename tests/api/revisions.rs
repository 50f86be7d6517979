//! Revisions: every content change is kept, listed, and can be restored.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::test_app::assert_problem;
use crate::helpers::{TestApp, id_of, post_path, snapshots};

/// The revision numbers of a list, in order.
fn numbers(list: &Value) -> Vec<i64> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn every_content_change_stores_a_revision_and_a_restore_is_one_more() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let post = app
        .draft_with(
            &token,
            "First",
            json!({"markdown": "One *body*", "tags": ["a"], "metadata": {"k": 1}}),
        )
        .await;
    let id = id_of(&post).to_owned();
    app.patched_post(&token, &id, json!({"title": "Second"}))
        .await;
    app.patched_post(
        &token,
        &id,
        json!({"markdown": "Two", "tags": ["b"], "metadata": null}),
    )
    .await;
    // Sending what is already there changes nothing and stores nothing.
    app.patched_post(&token, &id, json!({"title": "Second"}))
        .await;

    let list = app
        .get_json_as(&token, &format!("/api/v1/posts/{id}/revisions"))
        .await;
    assert_eq!(numbers(&list), [3, 2, 1]);
    assert_eq!(list["data"][2]["title"], "First");
    assert_eq!(list["data"][0]["user"]["name"], "Admin");

    let first = app
        .get_json_as(&token, &format!("/api/v1/posts/{id}/revisions/1"))
        .await;
    snapshots::redacted().bind(|| insta::assert_json_snapshot!("first_revision", first));

    let res = app
        .request(
            Method::POST,
            &format!("/api/v1/posts/{id}/revisions/1/restore"),
        )
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("etag"));
    let restored: Value = res.json().await.unwrap();
    assert_eq!(restored["slug"], "first", "the slug stays");
    snapshots::redacted().bind(|| insta::assert_json_snapshot!("restored_post", restored));

    let list = app
        .get_json_as(&token, &format!("/api/v1/posts/{id}/revisions"))
        .await;
    assert_eq!(list["data"][0]["number"], 4);
    assert_eq!(list["data"][0]["title"], "First");
}

#[tokio::test]
async fn only_the_newest_revisions_are_kept() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_REVISIONS_KEEP".into(), "3".into());
    })
    .await;
    let token = app.admin_token().await;
    let post = app.draft(&token, "T0").await;
    let id = id_of(&post).to_owned();
    for n in 1..=5 {
        app.patched_post(&token, &id, json!({"title": format!("T{n}")}))
            .await;
    }
    let list = app
        .get_json_as(&token, &format!("/api/v1/posts/{id}/revisions"))
        .await;
    assert_eq!(numbers(&list), [6, 5, 4]);
    let res = app
        .get_as(&token, &format!("/api/v1/posts/{id}/revisions/1"))
        .await;
    assert_problem(res, 404).await;
}

#[tokio::test]
async fn only_callers_who_may_change_a_post_see_its_revisions() {
    let app = TestApp::spawn().await;
    let (_, author) = app.user_with_role("author").await;
    let (_, other) = app.user_with_role("author").await;
    let (_, editor) = app.user_with_role("editor").await;
    let public = app.publish(&author, "Public").await;
    let draft = app.draft(&author, "Draft").await;
    let public = format!("{}/revisions", post_path(&public));
    let draft = format!("{}/revisions", post_path(&draft));

    assert_problem(app.get(&public).send().await.unwrap(), 401).await;
    assert_problem(app.get_as(&other, &public).await, 403).await;
    assert_problem(app.get_as(&other, &draft).await, 404).await;
    let res = app
        .request(Method::POST, &format!("{public}/1/restore"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_problem(res, 403).await;
    app.get_json_as(&author, &draft).await;
    app.get_json_as(&editor, &public).await;
    assert_problem(app.get_as(&author, &format!("{draft}/9")).await, 404).await;
    assert_problem(app.get_as(&author, &format!("{draft}/nine")).await, 404).await;
}

#[tokio::test]
async fn a_restore_with_a_stale_if_match_is_412_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let res = app
        .create_post(&token, json!({"title": "A", "markdown": "x"}))
        .await;
    let stale = res.headers()["etag"].to_str().unwrap().to_owned();
    let id = id_of(&res.json::<Value>().await.unwrap()).to_owned();
    app.patched_post(&token, &id, json!({"title": "B"})).await;
    let res = app
        .request(
            Method::POST,
            &format!("/api/v1/posts/{id}/revisions/1/restore"),
        )
        .bearer_auth(&token)
        .header("if-match", stale)
        .send()
        .await
        .unwrap();
    assert_problem(res, 412).await;
    let list = app
        .get_json_as(&token, &format!("/api/v1/posts/{id}/revisions"))
        .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.get_json_as(&token, &format!("/api/v1/posts/{id}"))
            .await["title"],
        "B"
    );
}
