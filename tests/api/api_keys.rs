//! API keys: shown once, stored hashed, limited to their scopes, and
//! dead at once when revoked, expired, or their creator is disabled.

use diesel::{ExpressionMethods, QueryDsl};
use diesel_async::RunQueryDsl;
use folio::db::schema::api_keys;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::test_app::assert_problem;
use crate::helpers::{TestApp, id_of, post_path, snapshots};

async fn create_key(app: &TestApp, admin: &str, body: Value) -> Value {
    let res = app
        .call(Method::POST, "/api/v1/api-keys", Some(admin), Some(body))
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["cache-control"], "no-store");
    res.json().await.unwrap()
}

async fn key_with(app: &TestApp, admin: &str, scopes: &[&str]) -> String {
    let created = create_key(app, admin, json!({"name": "k", "scopes": scopes})).await;
    created["key"].as_str().unwrap().to_owned()
}

/// The status of a `GET` with this key.
async fn status(app: &TestApp, path: &str, key: &str) -> u16 {
    app.call(Method::GET, path, Some(key), None)
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_new_key_is_shown_once_and_stored_only_as_a_hash() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let created = create_key(
        &app,
        &admin,
        json!({"name": "Website", "scopes": ["content:read", "preview:read", "content:read"]}),
    )
    .await;
    let key = created["key"].as_str().unwrap();
    assert!(key.starts_with("folio_") && key.len() == 49, "{key}");
    assert!(key.starts_with(created["prefix"].as_str().unwrap()));
    // Scopes deduplicated; never used yet.
    snapshots::redacted().bind(|| {
        insta::assert_json_snapshot!("created_api_key", created, {
            ".key" => snapshots::secret(),
            ".prefix" => "[the key's first characters]",
            ".created_by" => snapshots::id(),
        });
    });

    let listed = app
        .call(Method::GET, "/api/v1/api-keys", Some(&admin), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!listed.contains(key), "the list never shows secrets");
    assert!(listed.contains(created["id"].as_str().unwrap()));

    let mut conn = app.db.conn().await;
    let hashes: Vec<Vec<u8>> = api_keys::table
        .select(api_keys::key_hash)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(hashes, [folio::auth::api_key::digest(key)]);
}

#[tokio::test]
async fn content_read_sees_published_posts_only_and_cannot_write() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let published = app.publish(&admin, "Out").await;
    let draft = app.draft(&admin, "Soon").await;
    let key = key_with(&app, &admin, &["content:read"]).await;

    let list = app.get_json_as(&key, "/api/v1/posts").await;
    assert_eq!(list["meta"]["pagination"]["total"], 1);
    assert_eq!(status(&app, &post_path(&published), &key).await, 200);
    assert_eq!(status(&app, &post_path(&draft), &key).await, 404);
    let draft_html = format!("{}/html", post_path(&draft));
    assert_eq!(status(&app, &draft_html, &key).await, 404);
    let res = app
        .create_post(&key, json!({"title": "Nope", "markdown": "x"}))
        .await;
    assert_problem(res, 403).await;
    let res = app
        .patch_post(&key, id_of(&draft), json!({"title": "x"}))
        .await;
    assert_eq!(res.status(), 403);
    let res = app.delete_post(&key, id_of(&published)).await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn preview_read_sees_drafts_too() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, author) = app.user_with_role("author").await;
    let draft = app.draft(&author, "Soon").await;
    let key = key_with(&app, &admin, &["preview:read"]).await;
    assert_eq!(status(&app, &post_path(&draft), &key).await, 200);
    let list = app.get_json_as(&key, "/api/v1/posts").await;
    assert_eq!(list["meta"]["pagination"]["total"], 1);
    let res = app
        .patch_post(&key, id_of(&draft), json!({"title": "x"}))
        .await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn posts_write_creates_and_updates_posts_as_the_keys_creator() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let key = key_with(&app, &admin, &["posts:write"]).await;
    let res = app
        .create_post(
            &key,
            json!({"title": "By a script", "markdown": "x", "status": "published"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let post: Value = res.json().await.unwrap();
    assert_eq!(post["author"]["name"], "Admin");
    let res = app
        .patch_post(&key, id_of(&post), json!({"title": "Edited"}))
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .import_markdown(&key, "---\ntitle: Imported\n---\n\nBody\n")
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.delete_post(&key, id_of(&post)).await.status(), 204);
}

#[tokio::test]
async fn keys_are_refused_where_a_user_is_required() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let key = key_with(
        &app,
        &admin,
        &["content:read", "preview:read", "posts:write"],
    )
    .await;
    let new_user = json!({"email": "x@example.com", "name": "X", "password": "long-enough-pw", "role": "admin"});
    let new_key = json!({"name": "k2", "scopes": ["posts:write"]});
    let change = json!({"current_password": "x", "new_password": "long-enough-pw"});
    for (method, path, body) in [
        (Method::GET, "/api/v1/users", None),
        (Method::POST, "/api/v1/users", Some(new_user)),
        (Method::GET, "/api/v1/api-keys", None),
        (Method::POST, "/api/v1/api-keys", Some(new_key)),
        (Method::GET, "/api/v1/auth/me", None),
        (Method::POST, "/api/v1/auth/password", Some(change)),
    ] {
        let res = app.call(method.clone(), path, Some(&key), body).await;
        let problem = assert_problem(res, 403).await;
        assert!(
            problem["detail"].as_str().unwrap().contains("API key"),
            "{method} {path}: {problem}"
        );
    }
}

#[tokio::test]
async fn a_revoked_key_stops_working_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let created = create_key(
        &app,
        &admin,
        json!({"name": "k", "scopes": ["content:read"]}),
    )
    .await;
    let key = created["key"].as_str().unwrap();
    assert_eq!(status(&app, "/api/v1/posts", key).await, 200);
    let path = format!("/api/v1/api-keys/{}", created["id"].as_str().unwrap());
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&admin), None)
            .await
            .status(),
        204
    );
    let res = app
        .call(Method::GET, "/api/v1/posts", Some(key), None)
        .await;
    assert_problem(res, 401).await;
    assert_problem(
        app.call(Method::DELETE, &path, Some(&admin), None).await,
        404,
    )
    .await;
    let listed = app.get_json_as(&admin, "/api/v1/api-keys").await;
    assert_eq!(listed["data"], json!([]));
}

#[tokio::test]
async fn an_expired_key_is_401() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let soon = chrono::Utc::now() + chrono::Duration::hours(1);
    let created = create_key(
        &app,
        &admin,
        json!({"name": "k", "scopes": ["content:read"], "expires_at": soon}),
    )
    .await;
    let key = created["key"].as_str().unwrap();
    assert_eq!(status(&app, "/api/v1/posts", key).await, 200);
    let mut conn = app.db.conn().await;
    diesel::update(api_keys::table)
        .set(api_keys::expires_at.eq(chrono::Utc::now() - chrono::Duration::seconds(1)))
        .execute(&mut conn)
        .await
        .unwrap();
    assert_problem(
        app.call(Method::GET, "/api/v1/posts", Some(key), None)
            .await,
        401,
    )
    .await;
}

#[tokio::test]
async fn a_key_dies_with_its_creator_and_unknown_keys_are_401() {
    let app = TestApp::spawn().await;
    let (creator_id, creator) = app.user_with_role("admin").await;
    let key = key_with(&app, &creator, &["content:read"]).await;
    let admin = app.admin_token().await;
    app.patched_user(&admin, creator_id, json!({"disabled": true}))
        .await;
    assert_problem(
        app.call(Method::GET, "/api/v1/posts", Some(&key), None)
            .await,
        401,
    )
    .await;
    let forged = format!("folio_{}", "A".repeat(43));
    assert_problem(
        app.call(Method::GET, "/api/v1/posts", Some(&forged), None)
            .await,
        401,
    )
    .await;
}

#[tokio::test]
async fn use_is_recorded_in_last_used_at() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let key = key_with(&app, &admin, &["content:read"]).await;
    assert_eq!(status(&app, "/api/v1/posts", &key).await, 200);
    let listed = app.get_json_as(&admin, "/api/v1/api-keys").await;
    assert!(listed["data"][0]["last_used_at"].is_string(), "{listed}");
}

#[tokio::test]
async fn invalid_key_requests_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    for (body, field) in [
        (json!({"name": "k", "scopes": []}), "scopes"),
        (json!({"name": "k", "scopes": ["admin"]}), "scopes[0]"),
        (json!({"name": "", "scopes": ["content:read"]}), "name"),
        (
            json!({"name": "k", "scopes": ["content:read"], "expires_at": past}),
            "expires_at",
        ),
        (
            json!({"name": "k", "scopes": ["content:read"], "created_by": "x"}),
            "created_by",
        ),
    ] {
        let res = app
            .call(
                Method::POST,
                "/api/v1/api-keys",
                Some(&admin),
                Some(body.clone()),
            )
            .await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
}
