//! Images from the media library in posts: the HTML attributes, the post
//! JSON, the usage record and the bounds on references.

use diesel::sql_types::{Integer, Text};
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};

use crate::helpers::{TestApp, id_of};

/// A media row with planned variants, as an upload leaves it; returns its
/// SHA-256 (derived from `n`) and id.
pub async fn seed_media(app: &TestApp, n: u32, alt: Option<&str>) -> (String, String) {
    let sha = format!("{n:064x}");
    let mut conn = app.db.conn().await;
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = Text)]
        id: String,
    }
    let row: Id = diesel::sql_query(
        "INSERT INTO media (sha256, content_type, ext, bytes, width, height, alt, placeholder, original_filename) \
         VALUES ($1, 'image/jpeg', 'jpg', 1000, 1600, 1200, $2, 'AAAA', 'photo.jpg') RETURNING id::text AS id",
    )
    .bind::<Text, _>(&sha)
    .bind::<diesel::sql_types::Nullable<Text>, _>(alt)
    .get_result(&mut conn)
    .await
    .expect("insert media");
    for (w, f) in [(640, "webp"), (640, "jpeg"), (1280, "webp"), (1280, "jpeg")] {
        diesel::sql_query(
            "INSERT INTO media_variants (media_id, width, format, height) VALUES ($1::uuid, $2, $3, $2 * 3 / 4)",
        )
        .bind::<Text, _>(&row.id)
        .bind::<Integer, _>(w)
        .bind::<Text, _>(f)
        .execute(&mut conn)
        .await
        .expect("insert variant");
    }
    (sha, row.id)
}

/// The media items `post_media` records for a post.
pub async fn used_by(app: &TestApp, post_id: &str) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Used {
        #[diesel(sql_type = Text)]
        media_id: String,
    }
    let mut conn = app.db.conn().await;
    let rows: Vec<Used> = diesel::sql_query(
        "SELECT media_id::text AS media_id FROM post_media WHERE post_id = $1::uuid ORDER BY 1",
    )
    .bind::<Text, _>(post_id)
    .load(&mut conn)
    .await
    .unwrap();
    rows.into_iter().map(|r| r.media_id).collect()
}

#[tokio::test]
async fn a_media_image_renders_with_its_size_srcset_sizes_and_decoding() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let (sha, _) = seed_media(&app, 1, Some("A lighthouse")).await;
    let post = app
        .created_post(
            &token,
            json!({"title": "Pictures", "markdown": format!("![](/media/{sha}.jpg)\n\n![Mine](/media/{sha}.jpg)\n\n![x](/media/{:064x}.png)", 99)}),
        )
        .await;
    let html = post["html"].as_str().unwrap();
    let base = app.base.trim_end_matches('/').to_owned();
    let src = format!("src=\"{base}/media/{sha}.jpg\"");
    assert!(html.contains(&src), "{html}");
    assert!(
        html.contains(&format!(
            "srcset=\"{base}/media/{sha}/640w.webp 640w, {base}/media/{sha}/1280w.webp 1280w\""
        )),
        "{html}"
    );
    for attr in [
        "sizes=\"(max-width: 768px) 100vw, 768px\"",
        "width=\"1600\"",
        "height=\"1200\"",
        "decoding=\"async\"",
        "loading=\"lazy\"",
        // An empty alt takes the library's; the Markdown's own wins.
        "alt=\"A lighthouse\"",
        "alt=\"Mine\"",
    ] {
        assert!(html.contains(attr), "{attr} missing from {html}");
    }
    // An unknown media URL stays a plain image.
    assert!(
        html.contains(&format!(
            "<img src=\"/media/{:064x}.png\" alt=\"x\" loading=\"lazy\">",
            99
        )),
        "{html}"
    );
    assert_eq!(html.matches("srcset=").count(), 2, "{html}");
}

#[tokio::test]
async fn post_json_lists_the_images_it_uses_with_their_variants() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let (body_sha, body_id) = seed_media(&app, 1, None).await;
    let (cover_sha, cover_id) = seed_media(&app, 2, Some("Cover")).await;
    let base = app.base.trim_end_matches('/').to_owned();
    let post = app
        .created_post(
            &token,
            json!({"title": "Pictures", "markdown": format!("![a](/media/{body_sha}.jpg)"),
                   "feature_image": format!("{base}/media/{cover_sha}.jpg")}),
        )
        .await;
    let media = post["media"].as_array().unwrap();
    assert_eq!(media.len(), 2, "{post}");
    let body = media
        .iter()
        .find(|m| m["sha256"] == body_sha.as_str())
        .unwrap();
    assert_eq!(body["id"], body_id.as_str());
    assert_eq!(body["url"], format!("{base}/media/{body_sha}.jpg"));
    assert_eq!(
        (body["width"].as_i64(), body["height"].as_i64()),
        (Some(1600), Some(1200))
    );
    assert_eq!(body["placeholder"], "AAAA");
    let variants: Vec<(i64, &str, &str)> = body["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["width"].as_i64().unwrap(),
                v["format"].as_str().unwrap(),
                v["url"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(variants.len(), 4, "{body}");
    assert_eq!(variants[0].0, 640);
    assert!(
        variants
            .iter()
            .any(|v| v.2 == format!("{base}/media/{body_sha}/1280w.webp"))
    );
    assert_eq!(
        post["feature_image_media"]["id"],
        cover_id.as_str(),
        "{post}"
    );
    assert_eq!(post["feature_image_media"]["alt"], "Cover");

    // The same on a read, and the usage is recorded.
    let read = app
        .get_json_as(&token, &format!("/api/v1/posts/{}", id_of(&post)))
        .await;
    assert_eq!(read["media"], post["media"]);
    let mut ids = vec![body_id.clone(), cover_id.clone()];
    ids.sort();
    assert_eq!(used_by(&app, id_of(&post)).await, ids);

    // Changing only the feature image updates both.
    let patched = app
        .patched_post(&token, id_of(&post), json!({"feature_image": null}))
        .await;
    assert_eq!(patched["media"].as_array().unwrap().len(), 1, "{patched}");
    assert_eq!(patched["feature_image_media"], Value::Null);
    assert_eq!(used_by(&app, id_of(&post)).await, vec![body_id.clone()]);

    // A new body without images: nothing is used.
    let patched = app
        .patched_post(&token, id_of(&post), json!({"markdown": "No pictures."}))
        .await;
    assert_eq!(patched["media"], json!([]));
    assert!(used_by(&app, id_of(&post)).await.is_empty());
}

#[tokio::test]
async fn a_post_without_media_has_an_empty_list() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let post = app
        .created_post(
            &token,
            json!({"title": "Plain", "markdown": "![x](https://example.com/a.png)"}),
        )
        .await;
    assert_eq!(post["media"], json!([]));
    assert_eq!(post["feature_image_media"], Value::Null);
}

#[tokio::test]
async fn a_thousand_references_are_bounded() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let (first, _) = seed_media(&app, 1, None).await;
    let (last, _) = seed_media(&app, 300, None).await;
    let markdown: String = (1..=1000)
        .map(|i| format!("![i](/media/{i:064x}.jpg)\n"))
        .collect();
    let post = app
        .created_post(&token, json!({"title": "Many", "markdown": markdown}))
        .await;
    let html = post["html"].as_str().unwrap();
    // The first 200 distinct references are looked up (one query); the
    // 300th is past the cap and renders as a plain image.
    assert!(html.contains(&format!("/media/{first}/640w.webp")), "first");
    assert!(
        !html.contains(&format!("/media/{last}/640w.webp")),
        "past the cap"
    );
    assert!(html.contains(&format!("/media/{last}.jpg")));
    assert_eq!(post["media"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bulk_records_usage_too() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let (sha, id) = seed_media(&app, 7, None).await;
    let (other_sha, other_id) = seed_media(&app, 8, None).await;
    let send = |sha: String| {
        let items = json!([{"title": "Bulk", "slug": "bulk-pic", "markdown": format!("![p](/media/{sha}.jpg)")}]);
        app.request(reqwest::Method::POST, "/api/v1/bulk/posts")
            .bearer_auth(&token)
            .json(&items)
            .send()
    };
    assert_eq!(send(sha).await.unwrap().status(), 200);
    let post = app.get_json_as(&token, "/api/v1/posts/bulk-pic").await;
    assert_eq!(used_by(&app, id_of(&post)).await, vec![id]);
    assert_eq!(send(other_sha).await.unwrap().status(), 200);
    assert_eq!(used_by(&app, id_of(&post)).await, vec![other_id]);
}

#[tokio::test]
async fn deleting_an_image_a_post_uses_is_a_409_naming_it_until_the_post_lets_go() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let (sha, id) = seed_media(&app, 5, None).await;
    let post = app
        .created_post(
            &token,
            json!({"title": "Uses it", "slug": "uses-it", "markdown": format!("![a](/media/{sha}.jpg)")}),
        )
        .await;
    let res = app
        .request(reqwest::Method::DELETE, &format!("/api/v1/media/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let problem = crate::helpers::test_app::assert_problem(res, 409).await;
    assert!(problem.to_string().contains("uses-it"), "{problem}");

    app.patched_post(&token, id_of(&post), json!({"markdown": "Gone."}))
        .await;
    let res = app
        .request(reqwest::Method::DELETE, &format!("/api/v1/media/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
}

/// A multipart body of `(name, filename, bytes)` parts.
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "folio-test-boundary-7d3f";
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let disposition = match filename {
            Some(f) => {
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n")
            }
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n"),
        };
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"Content-Type: application/octet-stream\r\n\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn a_multipart_post_brings_its_images() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let png = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/import/media/content/some.png"
    ))
    .unwrap();
    let file = b"---\ntitle: With a picture\nslug: with-picture\n---\n\n![Red](./red.png)\n";
    let (content_type, body) = multipart(&[
        ("markdown", Some("post.md"), file),
        ("images", Some("red.png"), &png),
    ]);
    let res = app
        .request(reqwest::Method::POST, "/api/v1/posts")
        .bearer_auth(&token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let post: Value = res.json().await.unwrap();
    let sha = post["media"][0]["sha256"].as_str().unwrap();
    assert_eq!(post["markdown"], format!("\n![Red](/media/{sha}.png)\n"));
    assert!(
        post["html"]
            .as_str()
            .unwrap()
            .contains("width=\"40\" height=\"30\""),
        "{post}"
    );
    assert_eq!(used_by(&app, id_of(&post)).await.len(), 1);

    // No Markdown part, or a part that is not an image: 4xx, no post.
    let (content_type, body) = multipart(&[("images", Some("red.png"), &png)]);
    let res = app
        .request(reqwest::Method::POST, "/api/v1/posts")
        .bearer_auth(&token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    crate::helpers::test_app::assert_problem(res, 422).await;
    let (content_type, body) = multipart(&[
        (
            "markdown",
            Some("post.md"),
            b"---\ntitle: Bad\n---\n\n![x](x.png)\n",
        ),
        ("images", Some("x.png"), b"not an image at all"),
    ]);
    let res = app
        .request(reqwest::Method::POST, "/api/v1/posts")
        .bearer_auth(&token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    let list = app.get_json_as(&token, "/api/v1/posts").await;
    assert_eq!(list["meta"]["pagination"]["total"], 1);
}
