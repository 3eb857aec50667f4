//! Logging with `tracing` (text for people, JSON lines for log collectors) and the process's
//! Prometheus metrics recorder, which `GET /metrics` renders.

use std::io::IsTerminal;
use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

/// How log lines are written (`--log-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable text.
    Text,
    /// One JSON object per line.
    Json,
}

/// Installs the global subscriber. `RUST_LOG` overrides the default level (`info`).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colours only for a person at a terminal, never escape codes in a log file.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    // A second init (tests) is harmless: the first subscriber stays.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        // One object per line: the event's fields at the top level, and the request span's
        // fields (method, route) under "span"; the span list would only repeat them.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}

/// The names of krispyto's metrics, in one place so dashboards and code agree.
pub mod metric {
    /// Counter: requests answered, by `method`, `route` (the matched path template, or
    /// `unmatched`) and `status`.
    pub const HTTP_REQUESTS: &str = "krispyto_http_requests_total";
    /// Histogram: seconds from request to response head, by `method` and `route`.
    pub const HTTP_DURATION: &str = "krispyto_http_request_duration_seconds";
    /// Gauge: database pool connections, by `state` (`open`, `idle`, `max`), sampled at scrape.
    pub const DB_POOL_CONNECTIONS: &str = "krispyto_db_pool_connections";
    /// Counter: record rows written by imports, by `outcome` (`inserted`, `updated`, `unchanged`).
    pub const IMPORTED_ROWS: &str = "krispyto_imported_rows_total";
    /// Counters: cache lookups by `level`.
    pub const CACHE_HITS: &str = "krispyto_cache_hits_total";
    pub const CACHE_MISSES: &str = "krispyto_cache_misses_total";
}

/// Latency buckets in seconds: sub-millisecond cached answers up to slow cold queries.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's Prometheus recorder, installed on first use. Once per process because the
/// `metrics` facade has one global recorder, and tests start many servers in one process.
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(metric::HTTP_DURATION.into()), &LATENCY_BUCKETS)
            .expect("the latency buckets are not empty");
        match builder.install_recorder() {
            Ok(handle) => {
                describe_metrics();
                handle
            }
            Err(error) => {
                // Another recorder was installed first (an embedding program): keep serving,
                // with a /metrics that renders only what this private recorder sees.
                tracing::warn!(%error, "a metrics recorder is already installed; /metrics will be empty");
                PrometheusBuilder::new().build_recorder().handle()
            }
        }
    })
}

fn describe_metrics() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        metric::HTTP_REQUESTS,
        "HTTP requests answered, by method, route template and status."
    );
    describe_histogram!(
        metric::HTTP_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request, by method and route template."
    );
    describe_gauge!(
        metric::DB_POOL_CONNECTIONS,
        "Database pool connections by state: open, idle, max (sampled when scraped)."
    );
    describe_counter!(
        metric::IMPORTED_ROWS,
        "Record rows written by imports, by outcome."
    );
    describe_counter!(
        metric::CACHE_HITS,
        "Cache lookups answered, by cache level."
    );
    describe_counter!(
        metric::CACHE_MISSES,
        "Cache lookups that fell through, by cache level."
    );
}
