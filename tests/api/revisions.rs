//! Revisions: every content change is kept, listed, and can be restored.

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::test_app::assert_problem;

async fn patch(app: &TestApp, token: &str, id: &str, body: Value) -> Response {
    app.request(Method::PATCH, &format!("/api/v1/posts/{id}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn get_json(app: &TestApp, token: &str, path: &str) -> Value {
    let res = app.get(path).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn every_content_change_stores_a_revision_and_a_restore_is_one_more() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let post = app
        .created_post(
            &token,
            json!({"title": "First", "markdown": "One *body*", "tags": ["a"], "metadata": {"k": 1}}),
        )
        .await;
    let id = post["id"].as_str().unwrap().to_owned();
    assert_eq!(
        patch(&app, &token, &id, json!({"title": "Second"}))
            .await
            .status(),
        200
    );
    assert_eq!(
        patch(
            &app,
            &token,
            &id,
            json!({"markdown": "Two", "tags": ["b"], "metadata": null})
        )
        .await
        .status(),
        200
    );
    // Sending what is already there changes nothing and stores nothing.
    assert_eq!(
        patch(&app, &token, &id, json!({"title": "Second"}))
            .await
            .status(),
        200
    );

    let list = get_json(&app, &token, &format!("/api/v1/posts/{id}/revisions")).await;
    let numbers: Vec<_> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].clone())
        .collect();
    assert_eq!(numbers, [json!(3), json!(2), json!(1)]);
    assert_eq!(list["data"][2]["title"], "First");
    assert_eq!(list["data"][0]["user"]["name"], "Admin");

    let first = get_json(&app, &token, &format!("/api/v1/posts/{id}/revisions/1")).await;
    assert_eq!(first["snapshot"]["title"], "First");
    assert_eq!(first["snapshot"]["markdown"], "One *body*");
    assert_eq!(first["snapshot"]["tags"], json!(["a"]));
    assert_eq!(first["snapshot"]["metadata"], json!({"k": 1}));

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
    assert_eq!(restored["title"], "First");
    assert_eq!(restored["markdown"], "One *body*");
    assert_eq!(restored["html"], "<p>One <em>body</em></p>\n");
    assert_eq!(restored["tags"], json!(["a"]));
    assert_eq!(restored["metadata"], json!({"k": 1}));
    assert_eq!(restored["slug"], "first", "the slug stays");

    let list = get_json(&app, &token, &format!("/api/v1/posts/{id}/revisions")).await;
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
    let post = app
        .created_post(&token, json!({"title": "T0", "markdown": "x"}))
        .await;
    let id = post["id"].as_str().unwrap().to_owned();
    for n in 1..=5 {
        assert_eq!(
            patch(&app, &token, &id, json!({"title": format!("T{n}")}))
                .await
                .status(),
            200
        );
    }
    let list = get_json(&app, &token, &format!("/api/v1/posts/{id}/revisions")).await;
    let numbers: Vec<_> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].clone())
        .collect();
    assert_eq!(numbers, [json!(6), json!(5), json!(4)]);
    let res = app
        .get(&format!("/api/v1/posts/{id}/revisions/1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(res, 404).await;
}

#[tokio::test]
async fn only_callers_who_may_change_a_post_see_its_revisions() {
    let app = TestApp::spawn().await;
    let (_, author) = app.user_with_role("author").await;
    let (_, other) = app.user_with_role("author").await;
    let (_, editor) = app.user_with_role("editor").await;
    let public = app
        .created_post(
            &author,
            json!({"title": "Public", "markdown": "x", "status": "published"}),
        )
        .await;
    let draft = app
        .created_post(&author, json!({"title": "Draft", "markdown": "x"}))
        .await;
    let public = format!("/api/v1/posts/{}/revisions", public["id"].as_str().unwrap());
    let draft = format!("/api/v1/posts/{}/revisions", draft["id"].as_str().unwrap());

    assert_problem(app.get(&public).send().await.unwrap(), 401).await;
    assert_problem(
        app.get(&public).bearer_auth(&other).send().await.unwrap(),
        403,
    )
    .await;
    assert_problem(
        app.get(&draft).bearer_auth(&other).send().await.unwrap(),
        404,
    )
    .await;
    let res = app
        .request(Method::POST, &format!("{public}/1/restore"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_problem(res, 403).await;
    get_json(&app, &author, &draft).await;
    get_json(&app, &editor, &public).await;
    assert_problem(
        app.get(&format!("{draft}/9"))
            .bearer_auth(&author)
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    assert_problem(
        app.get(&format!("{draft}/nine"))
            .bearer_auth(&author)
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
}

#[tokio::test]
async fn a_restore_with_a_stale_if_match_is_412_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let res = app
        .create_post(&token, json!({"title": "A", "markdown": "x"}))
        .await;
    let stale = res.headers()["etag"].to_str().unwrap().to_owned();
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        patch(&app, &token, &id, json!({"title": "B"}))
            .await
            .status(),
        200
    );
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
    let list = get_json(&app, &token, &format!("/api/v1/posts/{id}/revisions")).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
    assert_eq!(
        get_json(&app, &token, &format!("/api/v1/posts/{id}")).await["title"],
        "B"
    );
}
