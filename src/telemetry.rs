//! Logging with `tracing` (text for people, JSON lines for log collectors) and the process's
//! Prometheus metrics recorder, which `GET /metrics` renders.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
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
    /// Gauge: bytes the in-process cache is charged for, by `kind` (`used`, `max`),
    /// sampled at scrape.
    pub const CACHE_L1_BYTES: &str = "krispyto_cache_l1_bytes";
    /// Gauge: the process's resident memory in bytes (Linux), sampled at scrape; it stays
    /// within the cache's `max` plus a fixed baseline.
    pub const PROCESS_RESIDENT_BYTES: &str = "krispyto_process_resident_memory_bytes";
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
    describe_gauge!(
        metric::CACHE_L1_BYTES,
        Unit::Bytes,
        "Bytes the in-process cache is charged for: used, and the configured max."
    );
    describe_gauge!(
        metric::PROCESS_RESIDENT_BYTES,
        Unit::Bytes,
        "Resident memory of the process (Linux), sampled when scraped."
    );
    describe_counter!(
        metric::CACHE_MISSES,
        "Cache lookups that fell through, by cache level."
    );
}

/// Which answered requests get their log line: one in `every` (1: all, 0: none); answers
/// with a 5xx status are always logged. At 30,000 requests/s a line per request is ~4 MB/s
/// of log; metrics count every request whatever this says.
#[derive(Debug)]
pub struct AccessLog {
    every: AtomicU64,
    answered: AtomicU64,
}

impl AccessLog {
    pub const fn new(every: u64) -> AccessLog {
        AccessLog {
            every: AtomicU64::new(every),
            answered: AtomicU64::new(0),
        }
    }

    pub fn set_every(&self, every: u64) {
        self.every.store(every, Ordering::Relaxed);
    }

    /// Whether the request answered with `status` is logged.
    pub fn admits(&self, status: u16) -> bool {
        if status >= 500 {
            return true;
        }
        match self.every.load(Ordering::Relaxed) {
            0 => false,
            1 => true,
            every => self.answered.fetch_add(1, Ordering::Relaxed) % every == 0,
        }
    }
}

/// The process's access log setting (`--access-log-sample`), like the subscriber itself
/// one per process.
pub static ACCESS_LOG: AccessLog = AccessLog::new(1);

/// The process's resident memory in bytes, from `/proc/self/statm` (Linux); `None` elsewhere.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admitted(log: &AccessLog, statuses: impl Iterator<Item = u16>) -> usize {
        statuses.filter(|s| log.admits(*s)).count()
    }

    #[test]
    fn one_in_n_requests_is_logged_and_every_server_error() {
        let log = AccessLog::new(1);
        assert_eq!(admitted(&log, std::iter::repeat_n(200, 100)), 100);
        log.set_every(4);
        assert_eq!(admitted(&log, std::iter::repeat_n(200, 100)), 25);
        assert_eq!(admitted(&log, std::iter::repeat_n(404, 8)), 2);
        assert_eq!(admitted(&log, std::iter::repeat_n(503, 10)), 10);
        log.set_every(0);
        assert_eq!(admitted(&log, std::iter::repeat_n(200, 100)), 0);
        assert_eq!(admitted(&log, std::iter::repeat_n(500, 3)), 3);
    }
}
