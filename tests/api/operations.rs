//! What operators rely on: request ids, metrics, security headers, rate
//! limits, graceful shutdown.

use std::time::Duration;

use reqwest::Method;

use crate::helpers::TestApp;
use crate::helpers::test_app::assert_problem;

#[tokio::test]
async fn request_ids_are_echoed_or_made_up() {
    let app = TestApp::spawn().await;
    let res = app
        .get("/api/v1/posts")
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let res = app.get("/nope").send().await.unwrap();
    let made_up = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::try_parse(&made_up).is_ok(), "{made_up}");
    // An id that could forge log lines is replaced.
    let res = app
        .get("/api/v1/posts")
        .header("x-request-id", "a b")
        .send()
        .await
        .unwrap();
    assert_ne!(res.headers()["x-request-id"], "a b");
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    app.publish(&token, "Page").await;
    for (path, csp_start) in [
        ("/api/v1/posts", "default-src 'none'; frame-ancestors"),
        ("/api/v1/posts/page/html", "default-src 'none'; img-src"),
        ("/nope", "default-src 'none'; frame-ancestors"),
        ("/docs/", "default-src 'none'; script-src 'self'"),
    ] {
        let res = app.get(path).send().await.unwrap();
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with(csp_start),
            "{path}: {:?}",
            h["content-security-policy"]
        );
    }
}

#[tokio::test]
async fn long_uris_and_large_headers_are_refused_with_problems() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_MAX_URI_BYTES".into(), "1024".into());
        env.insert("FOLIO_MAX_HEADER_BYTES".into(), "2048".into());
        env.insert("FOLIO_RATE_LIMIT_PER_MINUTE".into(), "600".into());
    })
    .await;
    let long = format!("/api/v1/posts?page=1&x={}", "a".repeat(2000));
    let res = app.get(&long).send().await.unwrap();
    // Counted by the rate limiter like any request, as documented.
    assert!(res.headers().contains_key("ratelimit-remaining"), "{res:?}");
    assert_problem(res, 414).await;
    let res = app
        .get("/api/v1/posts")
        .header("x-big", "b".repeat(3000))
        .send()
        .await
        .unwrap();
    assert_problem(res, 431).await;
    assert_eq!(
        app.get("/api/v1/posts?page=1")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn trace_is_refused() {
    let app = TestApp::spawn().await;
    let res = app
        .request(Method::TRACE, "/api/v1/posts")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["allow"], "GET, POST");
    assert_problem(res, 405).await;
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/posts/some-slug").send().await.unwrap();
    let body = app.get_text("/metrics").await;
    assert!(
        body.contains(r#"folio_http_requests_total{method="GET",route="/api/v1/posts/{id_or_slug}",status="404"}"#),
        "{body}"
    );
    assert!(
        body.contains("folio_http_request_duration_seconds_bucket"),
        "{body}"
    );
    assert!(
        body.contains(r#"folio_db_pool_connections{state="max"} 4"#),
        "{body}"
    );
    assert!(body.contains("folio_db_errors_total"), "{body}");
}

#[tokio::test]
async fn the_api_is_rate_limited_per_client_with_headers() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_RATE_LIMIT_PER_MINUTE".into(), "60".into());
        env.insert("FOLIO_RATE_LIMIT_BURST".into(), "3".into());
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let res = app.get("/api/v1/posts").send().await.unwrap();
        if res.status() == 200 {
            assert_eq!(res.headers()["ratelimit-limit"], "3");
            assert!(res.headers().contains_key("ratelimit-remaining"));
        }
        statuses.push(res.status().as_u16());
        if res.status() == 429 {
            let retry: u64 = res.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=2).contains(&retry), "{retry}");
            assert_eq!(res.headers()["ratelimit-remaining"], "0");
            assert_problem(res, 429).await;
        }
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
    // Probes are never limited.
    assert_eq!(app.get("/health/live").send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    let limited = |trusted: &'static str| {
        TestApp::spawn_with(move |env| {
            env.insert("FOLIO_RATE_LIMIT_PER_MINUTE".into(), "60".into());
            env.insert("FOLIO_RATE_LIMIT_BURST".into(), "1".into());
            env.insert("FOLIO_TRUSTED_PROXIES".into(), trusted.into());
        })
    };
    // One request each from two forwarded clients: their statuses.
    let two_clients = async |app: &TestApp| {
        let mut statuses = Vec::new();
        for client in ["1.1.1.1", "2.2.2.2"] {
            let res = app
                .get("/api/v1/posts")
                .header("x-forwarded-for", client)
                .send()
                .await
                .unwrap();
            statuses.push(res.status().as_u16());
        }
        statuses
    };
    // Untrusted peer: X-Forwarded-For is ignored, so spoofing does not help.
    let app = limited("10.0.0.0/8").await;
    assert_eq!(two_clients(&app).await, [200, 429]);
    // Trusted peer: each forwarded client has its own bucket.
    let app = limited("127.0.0.1").await;
    assert_eq!(two_clients(&app).await, [200, 200]);
}

#[tokio::test]
async fn a_slow_body_gets_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_BODY_TIMEOUT_SECS".into(), "1".into());
    })
    .await;
    let token = app.admin_token().await;
    let mut stream = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    let head = format!(
        "POST /api/v1/posts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"title\""
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("no answer")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
}
