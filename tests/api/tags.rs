//! Tags as resources: created by posts, counted, written by editors.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::test_app::assert_problem;
use crate::helpers::{TestApp, id_of};

fn summary(list: &Value) -> Vec<(String, i64)> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["slug"].as_str().unwrap().to_owned(),
                t["post_count"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_posts_unknown_tags_become_tags_counted_by_published_posts() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    app.publish_with(&admin, "A", json!({"tags": ["Web Dev", "rust"]}))
        .await;
    app.publish_with(&admin, "B", json!({"tags": ["Rust"]}))
        .await;
    let draft = app
        .draft_with(&admin, "C", json!({"tags": ["secret-plans"]}))
        .await;

    // "rust" and "Rust" are one tag; the first name seen is its name.
    assert_eq!(
        summary(&app.get_json("/api/v1/tags").await),
        [("rust".into(), 2), ("web-dev".into(), 1)],
        "anonymous callers never learn a draft's tags"
    );
    assert_eq!(
        summary(&app.get_json_as(&admin, "/api/v1/tags").await),
        [
            ("rust".into(), 2),
            ("secret-plans".into(), 0),
            ("web-dev".into(), 1)
        ]
    );
    let web = app.get_json("/api/v1/tags/web-dev").await;
    assert_eq!(web["name"], "Web Dev");
    assert_eq!(web["post_count"], 1);
    assert_problem(
        app.get("/api/v1/tags/secret-plans").send().await.unwrap(),
        404,
    )
    .await;

    // Tags added by an update are created too, and publishing counts them.
    app.patched_post(
        &admin,
        id_of(&draft),
        json!({"status": "published", "tags": ["secret-plans", "News"]}),
    )
    .await;
    assert_eq!(
        summary(&app.get_json("/api/v1/tags").await),
        [
            ("news".into(), 1),
            ("rust".into(), 2),
            ("secret-plans".into(), 1),
            ("web-dev".into(), 1)
        ]
    );
}

#[tokio::test]
async fn editors_create_rename_and_delete_tags_and_others_may_not() {
    let app = TestApp::spawn().await;
    let (_, editor) = app.user_with_role("editor").await;
    let (_, author) = app.user_with_role("author").await;
    let create = |token: &str, body: Value| {
        app.request(Method::POST, "/api/v1/tags")
            .bearer_auth(token)
            .json(&body)
            .send()
    };

    assert_problem(create(&author, json!({"name": "Go"})).await.unwrap(), 403).await;
    assert_problem(
        app.request(Method::POST, "/api/v1/tags")
            .json(&json!({"name": "Go"}))
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    let res = create(
        &editor,
        json!({"name": "Go lang", "description": "Gophers."}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.headers()["location"],
        app.url("/api/v1/tags/go-lang").as_str()
    );
    let tag: Value = res.json().await.unwrap();
    assert_eq!(tag["slug"], "go-lang");
    assert_eq!(tag["post_count"], 0);
    assert_problem(
        create(&editor, json!({"name": "Go Lang"})).await.unwrap(),
        409,
    )
    .await;
    let problem = assert_problem(
        create(&editor, json!({"name": "", "slug": "Bad Slug"}))
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2);

    let patch = |token: &str, body: Value| {
        app.request(Method::PATCH, "/api/v1/tags/go-lang")
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    assert_problem(patch(&author, json!({"name": "Go"})).await.unwrap(), 403).await;
    let res = patch(&editor, json!({"name": "Go", "description": null}))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let tag: Value = res.json().await.unwrap();
    assert_eq!(
        (tag["slug"].clone(), tag["name"].clone()),
        (json!("go-lang"), json!("Go"))
    );
    assert!(tag["description"].is_null());
    assert_problem(patch(&editor, json!({"slug": "go"})).await.unwrap(), 422).await;

    // A tag in use cannot be deleted; an unused one can.
    let post = app
        .draft_with(&author, "P", json!({"tags": ["go lang"]}))
        .await;
    let delete = |token: &str| {
        app.request(Method::DELETE, "/api/v1/tags/go-lang")
            .bearer_auth(token)
            .send()
    };
    assert_problem(delete(&author).await.unwrap(), 403).await;
    assert_problem(delete(&editor).await.unwrap(), 409).await;
    app.patched_post(&author, id_of(&post), json!({"tags": []}))
        .await;
    assert_eq!(delete(&editor).await.unwrap().status(), 204);
    assert_problem(delete(&editor).await.unwrap(), 404).await;
    assert_problem(app.get_as(&editor, "/api/v1/tags/go-lang").await, 404).await;
}

#[tokio::test]
async fn tags_of_posts_written_before_tags_existed_are_registered_at_start() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    app.publish_with(&admin, "Old", json!({"tags": ["legacy"]}))
        .await;
    // As if the post predated the tags tables.
    diesel::sql_query("DELETE FROM tags")
        .execute(&mut app.db.conn().await)
        .await
        .unwrap();
    assert_eq!(summary(&app.get_json("/api/v1/tags").await), []);
    let restarted = folio::startup::Application::build(app.config.clone())
        .await
        .unwrap();
    tokio::spawn(restarted.run_until_stopped());
    assert_eq!(
        summary(&app.get_json("/api/v1/tags").await),
        [("legacy".into(), 1)]
    );
}
