//! Prometheus metrics, served at `/metrics`. They describe this instance
//! (Prometheus scrapes each instance and adds them up).

use std::sync::LazyLock;
use std::time::Duration;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool: IntGaugeVec,
    db_errors: IntCounter,
    cache_lookups: IntCounterVec,
    cache_bytes: prometheus::IntGauge,
    compressed: IntCounterVec,
    webhook_deliveries: IntCounterVec,
    webhook_queue: prometheus::IntGauge,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let registry = Registry::new_custom(Some("folio".into()), None).expect("registry");
    let requests = IntCounterVec::new(
        Opts::new(
            "http_requests_total",
            "HTTP requests by method, route and status",
        ),
        &["method", "route", "status"],
    )
    .expect("metric");
    let latency = HistogramVec::new(
        HistogramOpts::new("http_request_duration_seconds", "HTTP request latency").buckets(vec![
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ]),
        &["method", "route"],
    )
    .expect("metric");
    let pool = IntGaugeVec::new(
        Opts::new("db_pool_connections", "Database pool connections by state"),
        &["state"],
    )
    .expect("metric");
    let db_errors = IntCounter::new(
        "db_errors_total",
        "Database errors (outages, timeouts, failures)",
    )
    .expect("metric");
    let cache_lookups = IntCounterVec::new(
        Opts::new(
            "read_cache_lookups_total",
            "Anonymous GETs looked up in the read cache, by result (hit or miss)",
        ),
        &["result"],
    )
    .expect("metric");
    let cache_bytes = prometheus::IntGauge::new("read_cache_bytes", "Bytes held by the read cache")
        .expect("metric");
    let compressed = IntCounterVec::new(
        Opts::new(
            "compressed_responses_total",
            "Response bodies compressed, by encoding (a read cache hit sends a stored form and counts nothing)",
        ),
        &["encoding"],
    )
    .expect("metric");
    let webhook_deliveries = IntCounterVec::new(
        Opts::new(
            "webhook_deliveries_total",
            "Webhook delivery attempts made by this instance, by outcome (succeeded, retrying, failed: given up)",
        ),
        &["outcome"],
    )
    .expect("metric");
    let webhook_queue = prometheus::IntGauge::new(
        "webhook_queue_depth",
        "Webhook deliveries waiting to be sent, across all instances (as this instance last counted)",
    )
    .expect("metric");
    for collector in [
        Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
        Box::new(latency.clone()),
        Box::new(pool.clone()),
        Box::new(db_errors.clone()),
        Box::new(cache_lookups.clone()),
        Box::new(cache_bytes.clone()),
        Box::new(compressed.clone()),
        Box::new(webhook_deliveries.clone()),
        Box::new(webhook_queue.clone()),
    ] {
        registry.register(collector).expect("register");
    }
    Metrics {
        registry,
        requests,
        latency,
        pool,
        db_errors,
        cache_lookups,
        cache_bytes,
        compressed,
        webhook_deliveries,
        webhook_queue,
    }
});

pub fn observe_request(method: &str, route: &str, status: u16, elapsed: Duration) {
    let m = &*METRICS;
    m.requests
        .with_label_values(&[method, route, &status.to_string()])
        .inc();
    m.latency
        .with_label_values(&[method, route])
        .observe(elapsed.as_secs_f64());
}

pub fn cache_lookup(hit: bool) {
    METRICS
        .cache_lookups
        .with_label_values(&[if hit { "hit" } else { "miss" }])
        .inc();
}

pub fn compressed(encoding: &str) {
    METRICS.compressed.with_label_values(&[encoding]).inc();
}

pub fn webhook_delivery(outcome: &str) {
    METRICS
        .webhook_deliveries
        .with_label_values(&[outcome])
        .inc();
}

pub fn webhook_queue_depth(depth: i64) {
    METRICS.webhook_queue.set(depth);
}

pub fn database_error() {
    METRICS.db_errors.inc();
}

/// The text exposition, with the pool's and the cache's state read at
/// scrape time.
pub fn render(pool: &crate::db::DbPool, cache: Option<&crate::cache::ResponseCache>) -> String {
    let m = &*METRICS;
    m.cache_bytes.set(cache.map_or(0, |c| c.weight()) as i64);
    let status = pool.status();
    m.pool
        .with_label_values(&["max"])
        .set(status.max_size as i64);
    m.pool.with_label_values(&["open"]).set(status.size as i64);
    m.pool
        .with_label_values(&["idle"])
        .set(status.available as i64);
    m.pool
        .with_label_values(&["waiting"])
        .set(status.waiting as i64);
    let mut out = Vec::new();
    let _ = TextEncoder::new().encode(&m.registry.gather(), &mut out);
    String::from_utf8(out).unwrap_or_default()
}
