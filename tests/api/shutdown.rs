//! SIGTERM: stop accepting, finish what is in flight, exit 0 in time.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::test_app::{ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET};
use crate::helpers::test_db::TestDb;

/// Folio as its own process (the real binary), ready to serve.
pub async fn spawn_binary(db: &TestDb, extra: &[(&str, &str)]) -> (Child, u16) {
    spawn_binary_logging(db, extra, None).await
}

/// [`spawn_binary`], with its output (the log) written to `log`.
pub async fn spawn_binary_logging(
    db: &TestDb,
    extra: &[(&str, &str)],
    log: Option<&std::path::Path>,
) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_folio"));
    command
        .env_clear()
        .env("DATABASE_URL", db.url())
        .env("FOLIO_ADDR", format!("127.0.0.1:{port}"))
        .env("FOLIO_JWT_SECRET", JWT_SECRET)
        .env("FOLIO_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("FOLIO_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("FOLIO_WORKERS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(path) = log {
        let file = std::fs::File::create(path).expect("log file");
        command
            .stdout(Stdio::from(file.try_clone().expect("log file")))
            .stderr(Stdio::from(file));
    }
    for (k, v) in extra {
        command.env(k, v);
    }
    let child = command.spawn().expect("start folio");
    let client = crate::helpers::http_client();
    let started = Instant::now();
    while client
        .get(format!("http://127.0.0.1:{port}/health/ready"))
        .send()
        .await
        .map(|r| r.status() != 200)
        .unwrap_or(true)
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "folio did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (child, port)
}

pub async fn login(port: u16) -> String {
    let login: serde_json::Value = crate::helpers::http_client()
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["access_token"].as_str().unwrap().to_owned()
}

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test]
async fn memory_stays_flat_while_refusing_huge_bodies() {
    let db = TestDb::new().await;
    let (mut child, port) = spawn_binary(&db, &[]).await;
    let token = login(port).await;
    let before = peak_rss_kib(child.id());
    let body = vec![b'x'; 10 * 1024 * 1024];
    for _ in 0..20 {
        let res = crate::helpers::http_client()
            .post(format!("http://127.0.0.1:{port}/api/v1/posts"))
            .header("content-type", "text/markdown")
            .bearer_auth(&token)
            .body(body.clone())
            .send()
            .await;
        if let Ok(res) = res {
            assert_eq!(res.status(), 413);
        }
    }
    let after = peak_rss_kib(child.id());
    child.kill().unwrap();
    let _ = child.wait();
    // 20 × 10 MB were refused; the peak may not grow by even one of them.
    assert!(
        after < before + 8 * 1024,
        "peak RSS grew from {before} KiB to {after} KiB"
    );
}

#[tokio::test]
async fn sigterm_finishes_in_flight_requests_and_exits_zero() {
    let db = TestDb::new().await;
    let (mut child, port) = spawn_binary(&db, &[("FOLIO_SHUTDOWN_TIMEOUT_SECS", "10")]).await;
    let token = login(port).await;

    // A request in flight: its head and half its body are sent...
    let body = r#"{"title": "In flight", "markdown": "x"}"#;
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let head = format!(
        "POST /api/v1/posts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    // ...when the process is told to stop.
    let term = Instant::now();
    assert!(
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;

    // New connections are refused while the in-flight request completes.
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err(),
        "still accepting"
    );
    stream.write_all(&body.as_bytes()[10..]).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");

    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "exit status {status}");
    assert!(
        term.elapsed() < Duration::from_secs(10),
        "took {:?}",
        term.elapsed()
    );
}
