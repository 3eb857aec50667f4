//! gzip forms of cached answers: chosen by Accept-Encoding, identical after inflating, each
//! with its own ETag and 304, `Vary: Accept-Encoding`, HEAD, small answers and errors left
//! identity, the same gzip bytes from Redis on another instance, and no gzip with the cache off.

use std::io::Read;
use std::time::Duration;

use flate2::read::GzDecoder;
use reqwest::header::HeaderMap;
use reqwest::Method;

use crate::cache_reads::import_two_coins;
use crate::helpers::{
    redis_url, spawn_app_configured, spawn_app_with, unique_redis_prefix, Backend, TestApp,
};
use crate::on_both_stores;

/// 36 daily points × 3 series: several KB of JSON, well over the gzip threshold.
const CHART: &str = "/api/v3/coins/bitcoin/market_chart?vs_currency=usd&days=max";
const SMALL: &str = "/api/v3/simple/price?ids=bitcoin&vs_currencies=usd";
const GZIP: &str = "gzip, deflate";

/// A request with optional `Accept-Encoding` and `If-None-Match`: status, headers, raw body.
async fn fetch(
    app: &TestApp,
    method: Method,
    path: &str,
    accept_encoding: Option<&str>,
    if_none_match: Option<&str>,
) -> (u16, HeaderMap, Vec<u8>) {
    let mut request = app.client.request(method, format!("{}{path}", app.address));
    if let Some(value) = accept_encoding {
        request = request.header("accept-encoding", value);
    }
    if let Some(value) = if_none_match {
        request = request.header("if-none-match", value);
    }
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("a body").to_vec();
    (status, headers, body)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

fn varies_on_accept_encoding(headers: &HeaderMap) -> bool {
    headers
        .get_all("vary")
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("accept-encoding"))
}

fn inflate(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    GzDecoder::new(body)
        .read_to_end(&mut out)
        .expect("a gzip body");
    out
}

fn with_redis(prefix: &str) -> impl FnOnce(&mut krispyto::startup::AppConfig) + '_ {
    move |config| {
        config.cache.redis_url = Some(redis_url());
        config.cache.redis_prefix = prefix.to_owned();
        // A test machine busy compiling must not turn a slow answer into an "outage".
        config.cache.redis_timeout = Duration::from_secs(1);
    }
}

async fn gzip_is_chosen_by_accept_encoding(backend: Backend) {
    let prefix = unique_redis_prefix("gzip");
    let app = spawn_app_with(backend, with_redis(&prefix)).await;
    assert!(app.cache.redis_is_up(), "Redis at {} must run", redis_url());
    import_two_coins(&app).await;

    // Identity without Accept-Encoding, yet marked as varying on it.
    let (status, plain_headers, plain) = fetch(&app, Method::GET, CHART, None, None).await;
    assert_eq!(status, 200);
    assert_eq!(header(&plain_headers, "content-encoding"), None);
    assert!(varies_on_accept_encoding(&plain_headers));
    let chart: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(chart["prices"].as_array().unwrap().len(), 36);
    assert_eq!(chart["prices"][35][1], 33_500.0);
    let plain_etag = header(&plain_headers, "etag").unwrap().to_owned();

    // gzip when asked: the same bytes once inflated, a smaller body, another strong ETag.
    let (status, gzip_headers, gzipped) = fetch(&app, Method::GET, CHART, Some(GZIP), None).await;
    assert_eq!(status, 200);
    assert_eq!(header(&gzip_headers, "content-encoding"), Some("gzip"));
    assert_eq!(
        header(&gzip_headers, "content-type"),
        Some("application/json")
    );
    assert!(varies_on_accept_encoding(&gzip_headers));
    assert_eq!(
        header(&gzip_headers, "content-length"),
        Some(gzipped.len().to_string().as_str())
    );
    assert!(gzipped.len() < plain.len() / 2, "{} bytes", gzipped.len());
    assert_eq!(inflate(&gzipped), plain);
    let gzip_etag = header(&gzip_headers, "etag").unwrap().to_owned();
    assert!(!gzip_etag.starts_with("W/"), "{gzip_etag}");
    assert_ne!(gzip_etag, plain_etag);
    // `*` and x-gzip are gzip too; a refused gzip is identity.
    for accept in ["*", "x-gzip", "br, GZIP;q=0.5"] {
        let (_, headers, _) = fetch(&app, Method::GET, CHART, Some(accept), None).await;
        assert_eq!(
            header(&headers, "etag"),
            Some(gzip_etag.as_str()),
            "{accept}"
        );
    }
    for accept in ["identity", "br, deflate", "gzip;q=0", ""] {
        let (_, headers, body) = fetch(&app, Method::GET, CHART, Some(accept), None).await;
        assert_eq!(header(&headers, "content-encoding"), None, "{accept}");
        assert_eq!(body, plain, "{accept}");
    }

    // Conditional GET: each form's ETag revalidates that form.
    let (status, headers, body) =
        fetch(&app, Method::GET, CHART, Some(GZIP), Some(&gzip_etag)).await;
    assert_eq!(status, 304);
    assert!(body.is_empty());
    assert_eq!(header(&headers, "etag"), Some(gzip_etag.as_str()));
    assert!(varies_on_accept_encoding(&headers));
    assert_eq!(header(&headers, "content-encoding"), None);
    let (status, headers, _) = fetch(&app, Method::GET, CHART, None, Some(&plain_etag)).await;
    assert_eq!(status, 304);
    assert_eq!(header(&headers, "etag"), Some(plain_etag.as_str()));
    // The other form's ETag names another representation: the full answer follows.
    let (status, headers, body) =
        fetch(&app, Method::GET, CHART, Some(GZIP), Some(&plain_etag)).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "etag"), Some(gzip_etag.as_str()));
    assert_eq!(body, gzipped);
    let (status, _, body) = fetch(&app, Method::GET, CHART, None, Some(&gzip_etag)).await;
    assert_eq!((status, body), (200, plain.clone()));

    // HEAD: the headers of the GET, no body.
    let (status, headers, body) = fetch(&app, Method::HEAD, CHART, Some(GZIP), None).await;
    assert_eq!(status, 200);
    assert!(body.is_empty());
    assert_eq!(header(&headers, "content-encoding"), Some("gzip"));
    assert_eq!(header(&headers, "etag"), Some(gzip_etag.as_str()));
    assert_eq!(
        header(&headers, "content-length"),
        Some(gzipped.len().to_string().as_str())
    );
    let (_, headers, _) = fetch(&app, Method::HEAD, CHART, None, None).await;
    assert_eq!(header(&headers, "content-encoding"), None);
    assert_eq!(
        header(&headers, "content-length"),
        Some(plain.len().to_string().as_str())
    );

    // A small answer and an error stay identity, whatever the client accepts.
    let (status, headers, body) = fetch(&app, Method::GET, SMALL, Some(GZIP), None).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-encoding"), None);
    assert!(!varies_on_accept_encoding(&headers));
    let price: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(price["bitcoin"]["usd"], 33_500.0);
    let (status, headers, body) = fetch(
        &app,
        Method::GET,
        "/api/v3/coins/nocoin/market_chart?vs_currency=usd&days=max",
        Some(GZIP),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(header(&headers, "content-encoding"), None);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"error": "coin not found"})
    );

    // Another instance finds both forms in Redis: the same gzip bytes under the same ETag,
    // and no computation.
    let other = spawn_app_configured(app.db.shared(), with_redis(&prefix)).await;
    let before = other.cache.stats();
    let (status, headers, body) = fetch(&other, Method::GET, CHART, Some(GZIP), None).await;
    let after = other.cache.stats();
    assert_eq!(status, 200);
    assert_eq!((after.l2_hits - before.l2_hits, after.computations), (1, 0));
    assert_eq!(header(&headers, "etag"), Some(gzip_etag.as_str()));
    assert_eq!(body, gzipped);
    let (_, headers, body) = fetch(&other, Method::GET, CHART, None, None).await;
    assert_eq!(header(&headers, "etag"), Some(plain_etag.as_str()));
    assert_eq!(body, plain);
}

/// With the cache off every request computes: nothing is compressed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_gzip_with_the_cache_off() {
    let app = spawn_app_with(Backend::Sqlite, |config| config.cache.max_bytes = 0).await;
    import_two_coins(&app).await;
    let (status, headers, body) = fetch(&app, Method::GET, CHART, Some(GZIP), None).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-encoding"), None);
    assert!(!varies_on_accept_encoding(&headers));
    let chart: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(chart["prices"].as_array().unwrap().len(), 36);
}

on_both_stores!(gzip_is_chosen_by_accept_encoding);
