//! Database outages: Folio starts without PostgreSQL, answers 503 promptly
//! while it is away, and recovers by itself when it returns.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::proxy::DbProxy;
use crate::helpers::test_app::assert_problem;

/// An app whose database connection goes through a switchable proxy.
async fn app_behind(proxy: &DbProxy) -> TestApp {
    let port = proxy.port;
    TestApp::spawn_unprepared_with(move |env| {
        let url = env["DATABASE_URL"].replace(":5432/", &format!(":{port}/"));
        env.insert("DATABASE_URL".into(), url);
        env.insert("FOLIO_DB_TIMEOUT_SECS".into(), "2".into());
    })
    .await
}

async fn wait_until_ready(app: &TestApp, within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let res = app.get("/health/ready").send().await;
        if res.is_ok_and(|r| r.status() == 200) {
            return start.elapsed();
        }
        assert!(start.elapsed() < within, "not ready within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn folio_starts_while_the_database_is_down_and_becomes_ready_when_it_returns() {
    let mut proxy = DbProxy::reserve();
    let app = app_behind(&proxy).await;

    assert_eq!(app.get("/health/live").send().await.unwrap().status(), 200);
    assert_problem(app.get("/health/ready").send().await.unwrap(), 503).await;
    let started = Instant::now();
    let res = app.get("/api/v1/posts").send().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "503 took {:?}",
        started.elapsed()
    );
    assert_eq!(res.headers()["retry-after"], "5");
    assert_problem(res, 503).await;
    let login = app.login("admin@example.com", "x").await;
    assert_problem(login, 503).await;

    proxy.start();
    wait_until_ready(&app, Duration::from_secs(15)).await;
    let token = app.admin_token().await;
    app.draft(&token, "After the outage").await;
}

#[tokio::test]
async fn a_database_restart_under_load_gives_no_500s_and_loses_no_acknowledged_write() {
    let mut proxy = DbProxy::reserve();
    proxy.start();
    let app = app_behind(&proxy).await;
    wait_until_ready(&app, Duration::from_secs(15)).await;
    let token = app.admin_token().await;

    folio::cli::install_tls();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let worker = |n: usize| {
        let (client, base, token) = (client.clone(), app.base.clone(), token.clone());
        tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut statuses = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(6);
            let mut i = 0;
            while Instant::now() < deadline {
                i += 1;
                let title = format!("w{n} post {i}");
                let res = client
                    .request(Method::POST, format!("{base}/api/v1/posts"))
                    .bearer_auth(&token)
                    .json(&json!({"title": title, "markdown": "x", "status": "published"}))
                    .send()
                    .await
                    .expect("a request hung or the connection failed");
                statuses.push(res.status());
                if res.status() == StatusCode::CREATED {
                    let post: Value = res.json().await.unwrap();
                    acknowledged.push(post["slug"].as_str().unwrap().to_owned());
                }
                let read = client
                    .get(format!("{base}/api/v1/posts?limit=5"))
                    .send()
                    .await
                    .expect("read hung");
                statuses.push(read.status());
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (acknowledged, statuses)
        })
    };
    let workers: Vec<_> = (0..3).map(worker).collect();

    tokio::time::sleep(Duration::from_millis(1500)).await;
    proxy.stop();
    tokio::time::sleep(Duration::from_secs(1)).await;
    proxy.start();
    let back = Instant::now();

    let mut acknowledged = Vec::new();
    let mut unavailable = 0;
    for w in workers {
        let (acks, statuses) = w.await.unwrap();
        unavailable += statuses
            .iter()
            .filter(|s| **s == StatusCode::SERVICE_UNAVAILABLE)
            .count();
        for status in &statuses {
            assert!(
                status.is_success() || *status == StatusCode::SERVICE_UNAVAILABLE,
                "unexpected {status}"
            );
        }
        acknowledged.extend(acks);
    }
    assert!(!acknowledged.is_empty());
    assert!(
        unavailable > 0,
        "the outage was never seen: the test proves nothing"
    );
    let recovered_in = wait_until_ready(&app, Duration::from_secs(10)).await;
    assert!(
        back.elapsed() < Duration::from_secs(10),
        "recovery took {recovered_in:?}"
    );

    // Every acknowledged write is still there.
    for slug in &acknowledged {
        let res = app
            .get(&format!("/api/v1/posts/{slug}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{slug} was acknowledged but is gone");
    }
}
