//! SEO and presentation fields: JSON in and out, front matter both ways.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::test_app::assert_problem;

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

async fn export(app: &TestApp, id: &str) -> String {
    app.get(&format!("/api/v1/posts/{id}"))
        .header("accept", "text/markdown")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn seo_fields_import_from_front_matter_and_export_back_unchanged() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let res = app.import_markdown(&token, FILE).await;
    assert_eq!(res.status(), 201);
    let first: Value = res.json().await.unwrap();
    assert_eq!(first["feature_image"], "/images/cover.jpg");
    assert_eq!(first["feature_image_alt"], "A cover");
    assert_eq!(first["feature_image_caption"], "Taken in May");
    assert_eq!(first["featured"], true);
    assert_eq!(first["meta_title"], "Seen, a post");
    assert_eq!(first["meta_description"], "What search engines show.");
    assert_eq!(first["canonical_url"], "https://elsewhere.example/seen");
    assert_eq!(first["og_image"], "https://cdn.example/og.png");
    assert_eq!(
        first["metadata"],
        json!({"series": "spring"}),
        "not in metadata"
    );

    // import → export → import changes nothing; exporting again gives the same file.
    let id = first["id"].as_str().unwrap();
    let exported = export(&app, id).await;
    for key in SEO_FIELDS {
        assert!(
            exported.contains(&format!("\n{key}: ")),
            "{key} in {exported}"
        );
    }
    let res = app
        .request(Method::DELETE, &format!("/api/v1/posts/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let second: Value = app
        .import_markdown(&token, &exported)
        .await
        .json()
        .await
        .unwrap();
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
    assert_eq!(export(&app, second["id"].as_str().unwrap()).await, exported);

    // The list shows them too.
    let list: Value = app
        .get("/api/v1/posts")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"][0]["feature_image"], "/images/cover.jpg");
    assert_eq!(list["data"][0]["featured"], true);
}

#[tokio::test]
async fn seo_fields_are_set_by_json_and_cleared_by_null() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let plain = app
        .created_post(&token, json!({"title": "Plain", "markdown": "x"}))
        .await;
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
    let path = format!("/api/v1/posts/{}", post["id"].as_str().unwrap());
    let res = app
        .request(Method::PATCH, &path)
        .bearer_auth(&token)
        .json(&json!({"meta_title": null, "featured": null, "feature_image_alt": "Alt"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let patched: Value = res.json().await.unwrap();
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
    let fields: Vec<_> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(
        fields,
        [
            json!("feature_image"),
            json!("meta_title"),
            json!("canonical_url")
        ]
    );

    let res = app
        .import_markdown(
            &token,
            "---\ntitle: t\nog_image: [1]\nfeatured: maybe\n---\nx",
        )
        .await;
    let problem = assert_problem(res, 422).await;
    let fields: Vec<_> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(fields, [json!("og_image"), json!("featured")]);

    let list: Value = app
        .get("/api/v1/posts")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["meta"]["pagination"]["total"], 0);
}

#[tokio::test]
async fn seo_fields_are_kept_in_revisions_and_restored() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let post = app
        .created_post(
            &token,
            json!({"title": "R", "markdown": "x", "meta_description": "First"}),
        )
        .await;
    let path = format!("/api/v1/posts/{}", post["id"].as_str().unwrap());
    let res = app
        .request(Method::PATCH, &path)
        .bearer_auth(&token)
        .json(&json!({"meta_description": "Second"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .request(Method::POST, &format!("{path}/revisions/1/restore"))
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
