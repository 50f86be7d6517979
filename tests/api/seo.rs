//! SEO and presentation fields: JSON in and out, front matter both ways.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::fixtures::error_fields;
use crate::helpers::test_app::assert_problem;
use crate::helpers::{TestApp, id_of, post_path, snapshots};

const SEO_FIELDS: [&str; 8] = [
    "feature_image",
    "feature_image_alt",
    "feature_image_caption",
    "featured",
    "meta_title",
    "meta_description",
    "canonical_url",
    "og_image",
];

const FILE: &str = "---\ntitle: Seen\ndate: 2024-05-01\nfeature_image: /images/cover.jpg\nfeature_image_alt: A cover\nfeature_image_caption: Taken in May\nfeatured: true\nmeta_title: Seen, a post\nmeta_description: What search engines show.\ncanonical_url: https://elsewhere.example/seen\nog_image: https://cdn.example/og.png\nseries: spring\n---\n\nBody.\n";

#[tokio::test]
async fn seo_fields_import_from_front_matter_and_export_back_unchanged() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let first = app.imported_post(&token, FILE).await;
    // Each SEO key becomes its own field, not metadata (which keeps
    // `series` only).
    snapshots::redacted().bind(|| insta::assert_json_snapshot!("imported_seo_post", first));

    // import → export → import changes nothing; exporting again gives the same file.
    let id = id_of(&first);
    let exported = app.export_markdown(id).await;
    for key in SEO_FIELDS {
        assert!(
            exported.contains(&format!("\n{key}: ")),
            "{key} in {exported}"
        );
    }
    assert_eq!(app.delete_post(&token, id).await.status(), 204);
    let second = app.imported_post(&token, &exported).await;
    for field in SEO_FIELDS.iter().chain(&[
        "title",
        "slug",
        "status",
        "published_at",
        "metadata",
        "markdown",
    ]) {
        assert_eq!(second[field], first[field], "{field}");
    }
    assert_eq!(app.export_markdown(id_of(&second)).await, exported);

    // The list shows them too.
    let list = app.get_json("/api/v1/posts").await;
    assert_eq!(list["data"][0]["feature_image"], "/images/cover.jpg");
    assert_eq!(list["data"][0]["featured"], true);
}

#[tokio::test]
async fn seo_fields_are_set_by_json_and_cleared_by_null() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let plain = app.draft(&token, "Plain").await;
    assert_eq!(plain["featured"], false);
    assert!(plain["meta_title"].is_null());

    let post = app
        .created_post(
            &token,
            json!({"title": "Rich", "markdown": "x", "featured": true, "meta_title": "  Rich!  ",
                   "canonical_url": "https://example.com/rich", "og_image": "/og.png"}),
        )
        .await;
    assert_eq!(post["meta_title"], "Rich!");
    assert_eq!(post["featured"], true);
    let patched = app
        .patched_post(
            &token,
            id_of(&post),
            json!({"meta_title": null, "featured": null, "feature_image_alt": "Alt"}),
        )
        .await;
    assert!(patched["meta_title"].is_null());
    assert_eq!(patched["featured"], false);
    assert_eq!(patched["feature_image_alt"], "Alt");
    assert_eq!(
        patched["canonical_url"], "https://example.com/rich",
        "absent keeps"
    );
}

#[tokio::test]
async fn bad_seo_fields_are_422_naming_each_and_change_nothing() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let res = app
        .create_post(
            &token,
            json!({"title": "Bad", "markdown": "x", "feature_image": "javascript:alert(1)",
                   "canonical_url": "/relative", "meta_title": "x".repeat(301), "featured": "yes"}),
        )
        .await;
    // A wrong JSON type is caught by the body's own decoding first.
    assert_problem(res, 422).await;
    let res = app
        .create_post(
            &token,
            json!({"title": "Bad", "markdown": "x", "feature_image": "javascript:alert(1)",
                   "canonical_url": "/relative", "meta_title": "x".repeat(301)}),
        )
        .await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(
        error_fields(&problem),
        ["feature_image", "meta_title", "canonical_url"]
    );

    let res = app
        .import_markdown(
            &token,
            "---\ntitle: t\nog_image: [1]\nfeatured: maybe\n---\nx",
        )
        .await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(error_fields(&problem), ["og_image", "featured"]);

    let list = app.get_json_as(&token, "/api/v1/posts").await;
    assert_eq!(list["meta"]["pagination"]["total"], 0);
}

#[tokio::test]
async fn seo_fields_are_kept_in_revisions_and_restored() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let post = app
        .draft_with(&token, "R", json!({"meta_description": "First"}))
        .await;
    app.patched_post(&token, id_of(&post), json!({"meta_description": "Second"}))
        .await;
    let res = app
        .request(
            Method::POST,
            &format!("{}/revisions/1/restore", post_path(&post)),
        )
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["meta_description"],
        "First"
    );
}
