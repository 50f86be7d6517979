//! `GET /api/v1/posts/{id_or_slug}/html?document=true`: a whole page.

use serde_json::json;

use crate::helpers::TestApp;
use crate::helpers::test_app::assert_problem;

const CSP: &str = folio::middleware::security_headers::CONTENT_CSP;

#[tokio::test]
async fn a_post_comes_as_a_complete_page_with_its_meta_tags() {
    let app = TestApp::spawn_with(|env| {
        env.insert(
            "FOLIO_MEDIA_BASE_URL".into(),
            "https://cdn.example.com/content/posts/".into(),
        );
    })
    .await;
    let token = app.admin_token().await;
    app.created_post(
        &token,
        json!({
            "title": "Tom & \"Jerry\" </title><script>alert(1)</script>",
            "slug": "tom-and-jerry",
            "markdown": "Chasing <b>mice</b>.\n\n![Cat](../images/cat.png)",
            "excerpt": "A \"chase\" '><script>alert(2)</script>",
            "status": "published",
            "published_at": "2024-05-01T09:30:00Z",
            "tags": ["cats", "<mice>"],
            "metadata": {"cover": {"image": "../images/cover.png"}, "lang": "en-GB"}
        }),
    )
    .await;

    let res = app
        .get("/api/v1/posts/tom-and-jerry/html?document=true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(res.headers()["content-security-policy"], CSP);
    let page = res.text().await.unwrap();
    let title = "Tom &amp; &quot;Jerry&quot; &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;";
    let description = "A &quot;chase&quot; &#39;&gt;&lt;script&gt;alert(2)&lt;/script&gt;";
    let canonical = app.url("/api/v1/posts/tom-and-jerry/html?document=true");
    for expected in [
        "<!DOCTYPE html>\n<html lang=\"en-GB\">".to_owned(),
        format!("<title>{title}</title>"),
        format!("<meta name=\"description\" content=\"{description}\">"),
        format!("<link rel=\"canonical\" href=\"{canonical}\">"),
        "<meta property=\"og:type\" content=\"article\">".to_owned(),
        format!("<meta property=\"og:title\" content=\"{title}\">"),
        format!("<meta property=\"og:url\" content=\"{canonical}\">"),
        "<meta property=\"og:image\" content=\"https://cdn.example.com/content/images/cover.png\">"
            .to_owned(),
        "<meta property=\"article:published_time\" content=\"2024-05-01T09:30:00+00:00\">"
            .to_owned(),
        "<meta property=\"article:tag\" content=\"&lt;mice&gt;\">".to_owned(),
        "<meta name=\"twitter:card\" content=\"summary_large_image\">".to_owned(),
        format!("<meta name=\"twitter:description\" content=\"{description}\">"),
        format!("<h1>{title}</h1>"),
        "<p>Chasing <b>mice</b>.</p>".to_owned(),
        "<img src=\"https://cdn.example.com/content/images/cat.png\" alt=\"Cat\" loading=\"lazy\">"
            .to_owned(),
    ] {
        assert!(page.contains(&expected), "missing {expected} in\n{page}");
    }
    assert!(!page.contains("<script"), "{page}");
}

#[tokio::test]
async fn the_page_uses_the_posts_own_canonical_url_and_safe_images_only() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    app.created_post(
        &token,
        json!({
            "title": "Elsewhere",
            "markdown": "# Elsewhere\n\nBody.",
            "status": "published",
            "metadata": {"canonical_url": "https://blog.example.com/elsewhere/", "image": "javascript:alert(1)"}
        }),
    )
    .await;
    let page = app
        .get_text("/api/v1/posts/elsewhere/html?document=true")
        .await;
    assert!(page.contains("<link rel=\"canonical\" href=\"https://blog.example.com/elsewhere/\">"));
    assert!(
        !page.contains("og:image") && !page.contains("javascript"),
        "{page}"
    );
    assert!(page.contains("<meta name=\"twitter:card\" content=\"summary\">"));
    assert_eq!(
        page.matches("<h1").count(),
        1,
        "the post's own # heading is the page's title: {page}"
    );
}

#[tokio::test]
async fn the_fragment_is_still_the_default_and_carries_the_policy_too() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    app.publish_with(&token, "F", json!({"markdown": "Body"}))
        .await;
    for path in [
        "/api/v1/posts/f/html",
        "/api/v1/posts/f/html?document=false",
    ] {
        let res = app.get(path).send().await.unwrap();
        assert_eq!(res.headers()["content-security-policy"], CSP);
        assert_eq!(res.text().await.unwrap(), "<p>Body</p>\n");
    }
    let res = app
        .get("/api/v1/posts/f/html?document=maybe")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400).await;
}

#[tokio::test]
async fn the_page_takes_its_seo_fields_first() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    app.created_post(
        &token,
        json!({
            "title": "Plain title",
            "slug": "seo-first",
            "markdown": "Body text.",
            "status": "published",
            "meta_title": "Search <title>",
            "meta_description": "For \"search\" engines",
            "canonical_url": "https://origin.example.com/first",
            "og_image": "https://cdn.example.com/card.png",
            "metadata": {"canonical_url": "https://old.example.com/x", "image": "https://old.example.com/i.png"}
        }),
    )
    .await;
    let page = app
        .get("/api/v1/posts/seo-first/html?document=true")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for expected in [
        "<title>Search &lt;title&gt;</title>",
        r#"<meta name="description" content="For &quot;search&quot; engines">"#,
        r#"<link rel="canonical" href="https://origin.example.com/first">"#,
        r#"<meta property="og:image" content="https://cdn.example.com/card.png">"#,
        r#"<meta property="og:title" content="Plain title">"#,
    ] {
        assert!(page.contains(expected), "{expected} missing from\n{page}");
    }
    assert!(!page.contains("old.example.com"), "{page}");
}
