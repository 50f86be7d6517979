use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;
use crate::helpers::test_app::assert_problem;

#[tokio::test]
async fn unknown_routes_are_404_problems() {
    let app = TestApp::spawn().await;
    for path in [
        "/nope",
        "/api/v1/nope",
        "/api/v2/posts",
        "/api/v1/posts/a/b/c",
    ] {
        assert_problem(app.get(path).send().await.unwrap(), 404).await;
    }
}

#[tokio::test]
async fn wrong_methods_are_405_with_allow() {
    let app = TestApp::spawn().await;
    let cases = [
        (Method::PUT, "/api/v1/posts", "GET, POST"),
        (Method::DELETE, "/api/v1/posts", "GET, POST"),
        (Method::POST, "/health/live", "GET"),
        (Method::GET, "/api/v1/auth/login", "POST"),
        (
            Method::POST,
            "/api/v1/posts/some-slug",
            "GET, PUT, PATCH, DELETE",
        ),
    ];
    for (method, path, allow) in cases {
        let res = app.request(method.clone(), path).send().await.unwrap();
        assert_eq!(res.headers()["allow"], allow, "{method} {path}");
        assert_problem(res, 405).await;
    }
}

#[tokio::test]
async fn malformed_json_is_400_and_wrong_content_type_is_415() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    for (body, content_type, status) in [
        ("{\"title\": ", "application/json", 400),
        ("not json", "application/json", 400),
        ("", "application/json", 400),
        ("title=x", "application/x-www-form-urlencoded", 415),
        ("<post/>", "application/xml", 415),
    ] {
        let res = app
            .request(Method::POST, "/api/v1/posts")
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_problem(res, status).await;
    }
    let no_type = app
        .request(Method::POST, "/api/v1/posts")
        .bearer_auth(&token)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(no_type, 415).await;
    let login = app
        .request(Method::POST, "/api/v1/auth/login")
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(login, 415).await;
    let login = app
        .request(Method::POST, "/api/v1/auth/login")
        .json(&json!({"email": "a"}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(login, 422).await;
    assert_eq!(problem["errors"][0]["field"], "password");
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_MAX_JSON_BYTES".into(), "2048".into());
        env.insert("FOLIO_MAX_MARKDOWN_BYTES".into(), "4096".into());
    })
    .await;
    let token = app.admin_token().await;
    let big_json = json!({"title": "t", "markdown": "x".repeat(3000)});
    assert_problem(app.create_post(&token, big_json).await, 413).await;
    // The same size is fine as Markdown, which has its own limit.
    let file = format!("---\ntitle: t\n---\n{}", "x".repeat(3000));
    assert_eq!(app.import_markdown(&token, &file).await.status(), 201);
    let huge = format!("---\ntitle: t\n---\n{}", "x".repeat(10 * 1024 * 1024));
    let res = app
        .request(Method::POST, "/api/v1/posts")
        .bearer_auth(&token)
        .header("content-type", "text/markdown")
        .body(huge)
        .send()
        .await;
    // The server may answer before reading the whole body and close the
    // connection; when the answer arrives it must be a 413 problem.
    if let Ok(res) = res {
        assert_problem(res, 413).await;
    }
    let big_login = app
        .request(Method::POST, "/api/v1/auth/login")
        .json(&json!({"email": "a@b.c", "password": "x".repeat(5000)}))
        .send()
        .await
        .unwrap();
    assert_problem(big_login, 413).await;
}

#[tokio::test]
async fn non_uuid_ids_on_writes_are_404() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    for path in [
        "/api/v1/posts/not-a-uuid",
        "/api/v1/posts/'%20OR%201=1--",
        "/api/v1/posts/..%2F..%2Fetc%2Fpasswd",
    ] {
        let res = app
            .request(Method::DELETE, path)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_problem(res, 404).await;
        let res = app.get(path).send().await.unwrap();
        assert_problem(res, 404).await;
    }
}
