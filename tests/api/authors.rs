//! Authors' public profiles: slugs, names and counts, never emails.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::test_app::assert_problem;

fn slugs(authors: &Value) -> Vec<Value> {
    authors["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].clone())
        .collect()
}

#[tokio::test]
async fn authors_of_published_posts_have_public_profiles_without_emails() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, writer) = app.user_with_role("author").await;
    app.publish(&admin, "P").await;
    app.draft(&writer, "D").await;

    let public = app.get_json("/api/v1/authors").await;
    assert_eq!(
        public,
        json!({"data": [{"slug": "admin", "name": "Admin", "bio": null, "avatar_url": null, "post_count": 1}]})
    );
    let admin_profile = app.get_json("/api/v1/authors/admin").await;
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
    let all = app.get_json_as(&writer, "/api/v1/authors").await;
    assert_eq!(slugs(&all), [json!("a-author"), json!("admin")]);
    assert!(!all.to_string().contains('@'));
    assert_problem(app.get_as(&writer, "/api/v1/authors/nobody").await, 404).await;
}

#[tokio::test]
async fn users_with_the_same_name_get_numbered_slugs() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_with_role("editor").await;
    app.user_with_role("editor").await;
    app.user_with_role("editor").await;
    let all = app.get_json_as(&token, "/api/v1/authors").await;
    assert_eq!(
        slugs(&all),
        [
            json!("a-editor"),
            json!("a-editor-2"),
            json!("a-editor-3"),
            json!("admin")
        ]
    );
}
