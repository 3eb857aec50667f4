//! `GET /metrics` (Prometheus text format) and the middleware that counts and times every
//! request by its route template.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::telemetry::{metric, metrics_handle};

/// The route label of a request no route matched; raw paths would let any client mint
/// unbounded label values.
const UNMATCHED_ROUTE: &str = "unmatched";

/// Counts and times each request by method, route template and status.
pub async fn track_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = route_label(&request);
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(
        metric::HTTP_REQUESTS,
        "method" => method,
        "route" => route.clone(),
        "status" => status
    )
    .increment(1);
    metrics::histogram!(metric::HTTP_DURATION, "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The matched path template (`/api/v1/coins/{symbol}`), never the raw URI.
pub fn route_label(request: &Request) -> String {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED_ROUTE, MatchedPath::as_str)
        .to_owned()
}

/// Standard methods by name; anything else in one bucket, so labels stay bounded.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

ok_only_route! {
    path = "/metrics", tag = "service", operation_id = "metrics",
    summary = "Prometheus metrics",
    ok = ("Prometheus text exposition format 0.0.4.", "text/plain", String,
        example = "# TYPE krispyto_http_requests_total counter\nkrispyto_http_requests_total{method=\"GET\",route=\"/dashboard\",status=\"200\"} 3\n"),
    /// Prometheus metrics: requests by route and status, latency histograms, database pool
    /// use, imported rows, cache hits and misses by level.
    pub async fn metrics(State(state): State<AppState>) -> Response {
        let pool = state.store.pool_usage();
        for (pool_state, connections) in [
            ("open", pool.open),
            ("idle", pool.idle),
            ("max", pool.max),
        ] {
            metrics::gauge!(metric::DB_POOL_CONNECTIONS, "state" => pool_state)
                .set(f64::from(connections));
        }
        metrics::gauge!(metric::CACHE_L1_BYTES, "kind" => "used")
            .set(state.cache.l1_bytes().await as f64);
        metrics::gauge!(metric::CACHE_L1_BYTES, "kind" => "max")
            .set(state.cache.l1_max_bytes() as f64);
        if let Some(bytes) = crate::telemetry::resident_bytes() {
            metrics::gauge!(metric::PROCESS_RESIDENT_BYTES).set(bytes as f64);
        }
        let handle = metrics_handle();
        // Histograms are drained into the exposition at upkeep; scraping is a fine moment.
        handle.run_upkeep();
        (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            handle.render(),
        )
            .into_response()
    }
}
