//! HTTP caching (ETag, 304, Last-Modified, Cache-Control, Vary) and CORS.

use reqwest::{Method, Response};
use serde_json::json;

use crate::helpers::{TestApp, id_of};

fn header(res: &Response, name: &str) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// Fetches `path`, then again with its ETag: 304 with no body, then a
/// change makes it 200 again with another ETag.
async fn revalidates(app: &TestApp, path: &str, change: impl AsyncFnOnce()) {
    let first = app.get(path).send().await.unwrap();
    assert_eq!(first.status(), 200, "{path}");
    let etag = header(&first, "etag");
    assert!(
        etag.starts_with('"') && etag.len() > 20,
        "strong ETag for {path}: {etag:?}"
    );
    let body = first.bytes().await.unwrap();

    let again = app.get(path).send().await.unwrap();
    assert_eq!(header(&again, "etag"), etag, "stable ETag for {path}");

    let cached = app
        .get(path)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304, "{path}");
    assert_eq!(header(&cached, "etag"), etag);
    assert!(header(&cached, "cache-control").starts_with("public"));
    assert!(cached.bytes().await.unwrap().is_empty());

    let other = app
        .get(path)
        .header("if-none-match", "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
    assert_eq!(other.bytes().await.unwrap(), body);

    change().await;
    let changed = app
        .get(path)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200, "{path} after a change");
    assert_ne!(header(&changed, "etag"), etag);
}

#[tokio::test]
async fn a_single_post_answers_304_until_it_changes() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let post = app.publish_on(&token, "Cached", 1, json!({})).await;
    let id = id_of(&post);
    revalidates(&app, "/api/v1/posts/cached", async || {
        app.patched_post(&token, id, json!({"title": "Cached 2"}))
            .await;
    })
    .await;
    revalidates(&app, &format!("/api/v1/posts/{id}/html"), async || {
        app.patched_post(&token, id, json!({"markdown": "new body"}))
            .await;
    })
    .await;

    let res = app
        .get(&format!("/api/v1/posts/{id}"))
        .send()
        .await
        .unwrap();
    assert!(header(&res, "vary").contains("Accept"));
    assert!(header(&res, "vary").contains("Authorization"));
    let last_modified = header(&res, "last-modified");
    assert!(last_modified.ends_with(" GMT"), "{last_modified:?}");
    // If-Modified-Since alone (no If-None-Match) is honoured too.
    let res = app
        .get(&format!("/api/v1/posts/{id}"))
        .header("if-modified-since", &last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    let res = app
        .get(&format!("/api/v1/posts/{id}"))
        .header("if-modified-since", "Mon, 01 Jan 2001 00:00:00 GMT")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_list_answers_304_until_a_post_is_added() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    app.publish_on(&token, "First", 1, json!({})).await;
    revalidates(&app, "/api/v1/posts?limit=5", async || {
        app.publish_on(&token, "Second", 2, json!({})).await;
    })
    .await;
}

#[tokio::test]
async fn anonymous_reads_are_public_and_signed_in_ones_private() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_CACHE_MAX_AGE_SECS".into(), "30".into());
        env.insert(
            "FOLIO_CACHE_STALE_WHILE_REVALIDATE_SECS".into(),
            "600".into(),
        );
    })
    .await;
    let token = app.admin_token().await;
    let res = app.get("/api/v1/posts").send().await.unwrap();
    assert_eq!(
        header(&res, "cache-control"),
        "public, max-age=30, stale-while-revalidate=600"
    );
    assert!(header(&res, "vary").contains("Authorization"));
    let res = app.get_as(&token, "/api/v1/posts").await;
    assert_eq!(header(&res, "cache-control"), "private, no-store");
    assert!(!header(&res, "etag").is_empty());
    // Errors are not cached as content.
    let res = app.get("/api/v1/posts/nope").send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(header(&res, "etag").is_empty());
    // Health probes must never be served from a cache.
    let res = app.get("/health/live").send().await.unwrap();
    assert_eq!(header(&res, "cache-control"), "no-store");
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let app = TestApp::spawn_with(|env| {
        env.insert(
            "FOLIO_CORS_ORIGINS".into(),
            "https://www.example.com".into(),
        );
    })
    .await;
    let preflight = |origin: &'static str| {
        app.request(Method::OPTIONS, "/api/v1/posts")
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header(
                "access-control-request-headers",
                "authorization, if-none-match",
            )
            .send()
    };
    let res = preflight("https://www.example.com").await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(
        header(&res, "access-control-allow-origin"),
        "https://www.example.com"
    );
    assert!(
        header(&res, "access-control-allow-headers")
            .to_lowercase()
            .contains("authorization")
    );
    assert!(header(&res, "access-control-allow-credentials").is_empty());

    let res = preflight("https://evil.example").await.unwrap();
    assert!(header(&res, "access-control-allow-origin").is_empty());

    let res = app
        .get("/api/v1/posts")
        .header("origin", "https://www.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        header(&res, "access-control-allow-origin"),
        "https://www.example.com"
    );
    assert!(
        header(&res, "access-control-expose-headers")
            .to_lowercase()
            .contains("etag")
    );

    // Other origins get the data (as any HTTP client would) but no CORS
    // grant, so a browser keeps it from the page.
    let res = app
        .get("/api/v1/posts")
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(header(&res, "access-control-allow-origin").is_empty());
}
