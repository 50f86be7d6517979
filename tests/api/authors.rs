//! Authors' public profiles: slugs, names and counts, never emails.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::test_app::assert_problem;

async fn authors(app: &TestApp, token: Option<&str>) -> Value {
    let mut req = app.get("/api/v1/authors");
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn authors_of_published_posts_have_public_profiles_without_emails() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, writer) = app.user_with_role("author").await;
    app.created_post(
        &admin,
        json!({"title": "P", "markdown": "x", "status": "published"}),
    )
    .await;
    app.created_post(&writer, json!({"title": "D", "markdown": "x"}))
        .await;

    let public = authors(&app, None).await;
    assert_eq!(
        public,
        json!({"data": [{"slug": "admin", "name": "Admin", "bio": null, "avatar_url": null, "post_count": 1}]})
    );
    let admin_profile: Value = app
        .get("/api/v1/authors/admin")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(admin_profile["post_count"], 1);
    assert!(
        !admin_profile.to_string().contains('@'),
        "no email: {admin_profile}"
    );
    // An author with no published post is not public…
    assert_problem(
        app.get("/api/v1/authors/a-author").send().await.unwrap(),
        404,
    )
    .await;
    // …but signed-in users see every profile.
    let all = authors(&app, Some(&writer)).await;
    let slugs: Vec<_> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].clone())
        .collect();
    assert_eq!(slugs, [json!("a-author"), json!("admin")]);
    assert!(!all.to_string().contains('@'));
    assert_problem(
        app.get("/api/v1/authors/nobody")
            .bearer_auth(&writer)
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
}

#[tokio::test]
async fn users_with_the_same_name_get_numbered_slugs() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_with_role("editor").await;
    app.user_with_role("editor").await;
    app.user_with_role("editor").await;
    let all = authors(&app, Some(&token)).await;
    let slugs: Vec<_> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].clone())
        .collect();
    assert_eq!(
        slugs,
        [
            json!("a-editor"),
            json!("a-editor-2"),
            json!("a-editor-3"),
            json!("admin")
        ]
    );
}
