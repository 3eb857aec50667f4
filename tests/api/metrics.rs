//! `GET /metrics`: Prometheus text with requests by route template and status, latency
//! histograms, pool use and imported rows.

use crate::helpers::{fixtures::coin_file, spawn_app, Backend, TestApp};
use crate::on_both_stores;

on_both_stores!(metrics_count_requests_by_route_template_and_status);

/// The value of the sample of `name` whose labels include every one of `labels`.
fn sample(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .find(|(series, _)| {
            series
                .strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.is_empty())
                && labels.iter().all(|label| series.contains(label))
        })
        .map(|(_, value)| value.parse().expect("a number"))
}

async fn scrape(app: &TestApp) -> String {
    let response = app.get("/metrics").await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    response.text().await.unwrap()
}

async fn metrics_count_requests_by_route_template_and_status(backend: Backend) {
    let app = spawn_app(backend).await;
    let report = app
        .import_files(&[(
            "btc.csv",
            coin_file("Bitcoin", "BTC", "2021-07-01", &[1.0, 2.0, 3.0]),
        )])
        .await
        .unwrap();
    assert_eq!(report.summary.inserted, 3);

    for _ in 0..3 {
        app.get_ok("/dashboard?id=btc").await;
    }
    app.get_error("/dashboard", 400).await;
    app.get_error("/docs/nothing-here.js", 404).await;
    app.get_error("/no/such/route/12345", 404).await;

    let text = scrape(&app).await;
    // Each test runs in a process of its own (nextest) or shares it with others (cargo
    // test), so counts are at least this test's own.
    let dashboard_ok = sample(
        &text,
        "krispyto_http_requests_total",
        &[
            r#"route="/dashboard""#,
            r#"status="200""#,
            r#"method="GET""#,
        ],
    );
    assert!(dashboard_ok.is_some_and(|n| n >= 3.0), "{text}");
    let dashboard_bad = sample(
        &text,
        "krispyto_http_requests_total",
        &[r#"route="/dashboard""#, r#"status="400""#],
    );
    assert!(dashboard_bad.is_some_and(|n| n >= 1.0), "{text}");
    // The template, never the raw path: one series for every file under /docs/.
    assert!(sample(
        &text,
        "krispyto_http_requests_total",
        &[r#"route="/docs/{file}""#, r#"status="404""#]
    )
    .is_some());
    assert!(!text.contains("nothing-here.js"), "{text}");
    assert!(!text.contains("/no/such/route"), "{text}");
    assert!(sample(
        &text,
        "krispyto_http_requests_total",
        &[r#"route="unmatched""#, r#"status="404""#]
    )
    .is_some());

    // Latency histograms per route, with buckets.
    assert!(text.contains("# TYPE krispyto_http_request_duration_seconds histogram"));
    let buckets = sample(
        &text,
        "krispyto_http_request_duration_seconds_count",
        &[r#"route="/dashboard""#],
    );
    assert!(buckets.is_some_and(|n| n >= 4.0), "{text}");
    assert!(text.contains(r#"krispyto_http_request_duration_seconds_bucket{method="GET",route="/dashboard",le="0.0005"}"#), "{text}");

    // Pool use, sampled at scrape time: the test pool holds at most 5 connections.
    assert_eq!(
        sample(&text, "krispyto_db_pool_connections", &[r#"state="max""#]),
        Some(5.0),
        "{text}"
    );
    let open = sample(&text, "krispyto_db_pool_connections", &[r#"state="open""#]).unwrap();
    let idle = sample(&text, "krispyto_db_pool_connections", &[r#"state="idle""#]).unwrap();
    assert!((1.0..=5.0).contains(&open) && idle <= open, "{text}");

    // Imported rows, by outcome.
    let inserted = sample(
        &text,
        "krispyto_imported_rows_total",
        &[r#"outcome="inserted""#],
    );
    assert!(inserted.is_some_and(|n| n >= 3.0), "{text}");

    // The response cache counts its lookups by level: the dashboard was asked three times
    // with one query, so L1 missed it once and then answered.
    assert!(
        sample(&text, "krispyto_cache_misses_total", &[r#"level="l1""#]).is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(
        sample(&text, "krispyto_cache_hits_total", &[r#"level="l1""#]).is_some_and(|n| n >= 2.0),
        "{text}"
    );
    let text = scrape(&app).await;
    // The scrape itself is counted too, under its own route.
    assert!(sample(
        &text,
        "krispyto_http_requests_total",
        &[r#"route="/metrics""#, r#"status="200""#]
    )
    .is_some());
}

/// The cache's accounted bytes and its maximum, and the process's resident memory, so an
/// operator can see memory stay within the setting plus a baseline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_report_cache_bytes_and_resident_memory() {
    let app = crate::helpers::spawn_app_with(Backend::Sqlite, |config| {
        config.cache.max_bytes = 8 * 1024 * 1024;
    })
    .await;
    app.import_three_btc_days().await;
    app.get_ok("/api/v1/coins").await;
    let text = scrape(&app).await;
    assert_eq!(
        sample(&text, "krispyto_cache_l1_bytes", &["kind=\"max\""]),
        Some(8.0 * 1024.0 * 1024.0)
    );
    let used = sample(&text, "krispyto_cache_l1_bytes", &["kind=\"used\""]).unwrap();
    assert!(used > 0.0 && used < 8.0 * 1024.0 * 1024.0, "{used}");
    let resident = sample(&text, "krispyto_process_resident_memory_bytes", &[]).unwrap();
    assert!(resident > 1e6, "{resident}");
}
