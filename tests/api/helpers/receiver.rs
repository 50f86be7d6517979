//! A webhook receiver on loopback: records every request it gets and
//! answers as the test tells it (fail the next N, be slow, redirect).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::Value;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Hit {
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// What the receiver answered.
    pub status: u16,
    pub at: Instant,
}

impl Hit {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    pub fn event_type(&self) -> String {
        self.json()["type"].as_str().unwrap_or("").to_owned()
    }
}

#[derive(Default)]
struct Shared {
    hits: Mutex<Vec<Hit>>,
    /// Statuses for the next requests, in order; then 200.
    script: Mutex<VecDeque<u16>>,
    /// Headers to add to scripted answers (e.g. `Location`).
    extra_headers: Mutex<Vec<(String, String)>>,
    delay: Mutex<Duration>,
    /// Requests in flight per `webhook-id`, and how often one arrived
    /// while another with the same id was still being answered.
    in_flight: Mutex<HashMap<String, usize>>,
    overlaps: AtomicUsize,
    arrived: tokio::sync::Notify,
}

pub struct Receiver {
    pub url: String,
    shared: Arc<Shared>,
    server: actix_web::dev::ServerHandle,
}

impl Receiver {
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let data = web::Data::from(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("bind the receiver");
        let port = server.addrs()[0].port();
        let server = server.disable_signals().run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            shared,
            server: handle,
        }
    }

    pub fn port(&self) -> u16 {
        url::Url::parse(&self.url).unwrap().port().unwrap()
    }

    /// Answers the next requests with these statuses (then 200 again).
    pub fn answer_next(&self, statuses: &[u16]) {
        self.shared.script.lock().unwrap().extend(statuses);
    }

    pub fn with_header(&self, name: &str, value: &str) {
        self.shared
            .extra_headers
            .lock()
            .unwrap()
            .push((name.into(), value.into()));
    }

    /// Takes this long over each answer.
    pub fn set_delay(&self, delay: Duration) {
        *self.shared.delay.lock().unwrap() = delay;
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.shared.hits.lock().unwrap().clone()
    }

    /// Times a request arrived while another with its `webhook-id` was in
    /// flight.
    pub fn overlaps(&self) -> usize {
        self.shared.overlaps.load(Ordering::SeqCst)
    }

    /// Waits until `n` requests have arrived; panics after `within`.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Hit> {
        let deadline = Instant::now() + within;
        loop {
            let arrived = self.shared.arrived.notified();
            let hits = self.hits();
            if hits.len() >= n {
                return hits;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "waited {within:?} for {n} requests; got {}",
                hits.len()
            );
            let _ = tokio::time::timeout(left, arrived).await;
        }
    }

    /// Waits `for_` and asserts nothing more arrived than `n`.
    pub async fn assert_stays_at(&self, n: usize, for_: Duration) {
        tokio::time::sleep(for_).await;
        let got = self.hits().len();
        assert_eq!(got, n, "expected {n} requests, got {got}");
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let server = self.server.clone();
        tokio::spawn(async move { server.stop(false).await });
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let headers: HashMap<String, String> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let id = headers.get("webhook-id").cloned().unwrap_or_default();
    {
        let mut in_flight = shared.in_flight.lock().unwrap();
        let n = in_flight.entry(id.clone()).or_default();
        if *n > 0 && !id.is_empty() {
            shared.overlaps.fetch_add(1, Ordering::SeqCst);
        }
        *n += 1;
    }
    let delay = *shared.delay.lock().unwrap();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let status = shared.script.lock().unwrap().pop_front().unwrap_or(200);
    *shared.in_flight.lock().unwrap().get_mut(&id).unwrap() -= 1;
    shared.hits.lock().unwrap().push(Hit {
        headers,
        body: body.to_vec(),
        status,
        at: Instant::now(),
    });
    shared.arrived.notify_waiters();
    let mut res = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    if status != 200 {
        for (k, v) in shared.extra_headers.lock().unwrap().iter() {
            res.insert_header((k.as_str(), v.as_str()));
        }
    }
    res.body(format!("answered {status}"))
}
