//! The read-through cache seen from outside: hits, misses, one entry for every spelling of
//! a question, one computation for concurrent misses, ETags and 304s. Against the real Redis
//! on 127.0.0.1:6379 (KRISPYTO_TEST_REDIS_URL), each test under a key prefix of its own.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use krispyto::cache::{CacheKey, CacheSettings, CacheStats};
use krispyto::http::{Answer, ApiError, ResponseCache};
use serde_json::json;

use crate::helpers::{
    fixtures, redis_url, spawn_app_configured, spawn_app_with, unique_redis_prefix, Backend,
    TestApp,
};
use crate::on_both_stores;

/// BTC and ETH, 2021-06-01 to 2021-07-06 (36 days).
pub fn btc_closes() -> Vec<f64> {
    (0..36).map(|i| 30_000.0 + 100.0 * i as f64).collect()
}

pub fn eth_closes() -> Vec<f64> {
    (0..36).map(|i| 2_000.0 + 10.0 * i as f64).collect()
}

/// BTC and ETH, 36 days each from 2021-06-01.
pub fn two_coin_files() -> [(&'static str, String); 2] {
    [
        (
            "coin_Bitcoin.csv",
            fixtures::coin_file("Bitcoin", "BTC", "2021-06-01", &btc_closes()),
        ),
        (
            "coin_Ethereum.csv",
            fixtures::coin_file("Ethereum", "ETH", "2021-06-01", &eth_closes()),
        ),
    ]
}

pub async fn import_two_coins(app: &TestApp) {
    app.import_files(&two_coin_files())
        .await
        .expect("the fixtures import");
}

/// Redis on, under `prefix`. The timeout is raised from the production 50 ms: these tests
/// count L2 hits and misses, and a test machine busy compiling must not turn a slow answer
/// into an "outage" (the outage tests keep the default).
fn with_redis(prefix: &str) -> impl FnOnce(&mut krispyto::startup::AppConfig) + '_ {
    move |config| {
        config.cache.redis_url = Some(redis_url());
        config.cache.redis_prefix = prefix.to_owned();
        config.cache.redis_timeout = Duration::from_secs(1);
    }
}

/// What changed in the counters between two readings.
fn delta(before: CacheStats, after: CacheStats) -> CacheStats {
    CacheStats {
        l1_hits: after.l1_hits - before.l1_hits,
        l1_misses: after.l1_misses - before.l1_misses,
        l2_hits: after.l2_hits - before.l2_hits,
        l2_misses: after.l2_misses - before.l2_misses,
        computations: after.computations - before.computations,
    }
}

fn stats(
    l1_hits: u64,
    l1_misses: u64,
    l2_hits: u64,
    l2_misses: u64,
    computations: u64,
) -> CacheStats {
    CacheStats {
        l1_hits,
        l1_misses,
        l2_hits,
        l2_misses,
        computations,
    }
}

async fn hits_misses_and_normalization(backend: Backend) {
    let prefix = unique_redis_prefix("normalization");
    let app = spawn_app_with(backend, with_redis(&prefix)).await;
    assert!(
        app.cache.redis_is_up(),
        "Redis at {} must be running",
        redis_url()
    );
    import_two_coins(&app).await;

    let before = app.cache.stats();
    let first = app.get_ok("/dashboard?id=BTC,eth&date=2021-7-6").await;
    assert_eq!(
        delta(before, app.cache.stats()),
        stats(0, 1, 0, 1, 1),
        "a miss in both levels"
    );
    let rows = first.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["symbol"], "ETH", "crypto desc: Ethereum first");
    assert_eq!(rows[0]["price"], eth_closes()[35]);
    assert_eq!(rows[1]["price"], btc_closes()[35]);

    for spelling in [
        "/dashboard?id=eth,btc&date=2021-07-06",
        "/dashboard?id=%20ETH%20,btc,BTC&date=2021-07-06&order_by=CRYPTO&order_type=desc",
        "/dashboard?date=2021-7-06&id=btc,,eth",
    ] {
        let before = app.cache.stats();
        assert_eq!(app.get_ok(spelling).await, first, "{spelling}");
        assert_eq!(
            delta(before, app.cache.stats()),
            stats(1, 0, 0, 0, 0),
            "{spelling} is a hit"
        );
    }

    // A different question is a different entry.
    let before = app.cache.stats();
    let ascending = app
        .get_ok("/dashboard?id=btc,eth&date=2021-07-06&order_type=asc")
        .await;
    assert_eq!(ascending[0]["symbol"], "BTC");
    assert_eq!(delta(before, app.cache.stats()), stats(0, 1, 0, 1, 1));

    // The default date is the latest day: its own entry, the same rows.
    assert_eq!(app.get_ok("/dashboard?id=btc,eth").await, first);

    // Search: every casing of a name shares an entry.
    let before = app.cache.stats();
    let hit = app.get_ok("/search?name=bitcoin").await;
    assert_eq!(hit, json!({"name": "Bitcoin", "symbol": "BTC"}));
    assert_eq!(app.get_ok("/search?name=%20BITCOIN").await, hit);
    assert_eq!(delta(before, app.cache.stats()), stats(1, 1, 0, 1, 1));
    // Errors are not cached: each asking computes again, in neither level is it found.
    let before = app.cache.stats();
    app.get_error("/search?name=nothing", 404).await;
    app.get_error("/search?name=nothing", 404).await;
    assert_eq!(delta(before, app.cache.stats()), stats(0, 2, 0, 2, 2));

    // A second instance on the same database and Redis finds the answer in L2.
    let second = spawn_app_configured(app.db.shared(), with_redis(&prefix)).await;
    let before = second.cache.stats();
    assert_eq!(
        second.get_ok("/dashboard?id=btc,ETH&date=2021-07-06").await,
        first
    );
    assert_eq!(
        delta(before, second.cache.stats()),
        stats(0, 1, 1, 0, 0),
        "an L2 hit"
    );
    // ... and then in its own L1.
    second.get_ok("/dashboard?id=btc,ETH&date=2021-07-06").await;
    assert_eq!(delta(before, second.cache.stats()), stats(1, 1, 1, 0, 0));
}

async fn concurrent_misses_compute_once(backend: Backend) {
    let app = spawn_app_with(backend, with_redis(&unique_redis_prefix("coalescing"))).await;
    import_two_coins(&app).await;
    let before = app.cache.stats();
    let requests = (0..16).map(|_| app.get("/dashboard?id=all&date=2021-07-01&order_by=price"));
    let responses = futures::future::join_all(requests).await;
    let mut bodies = Vec::new();
    for response in responses {
        assert_eq!(response.status(), 200);
        bodies.push(response.text().await.unwrap());
    }
    assert!(bodies.iter().all(|b| *b == bodies[0]));
    let rows: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(rows[0]["price"], btc_closes()[30]);
    let change = delta(before, app.cache.stats());
    assert_eq!(change.computations, 1, "{change:?}");
    assert_eq!(change.l1_misses, 1, "{change:?}");
    assert_eq!(change.l1_hits, 15, "{change:?}");
}

async fn etags_and_not_modified(backend: Backend) {
    let app = spawn_app_with(backend, with_redis(&unique_redis_prefix("etag"))).await;
    import_two_coins(&app).await;
    let path = "/dashboard?id=btc&date=2021-07-06";
    let first = app.get(path).await;
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() == 34,
        "a strong ETag: {etag}"
    );
    let cache_control = first.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(cache_control, "public, max-age=10, must-revalidate");
    assert_eq!(
        first.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let body = first.text().await.unwrap();

    let conditional = |tag: String| {
        app.client
            .get(format!("{}{path}", app.address))
            .header("If-None-Match", tag)
            .send()
    };
    let not_modified = conditional(etag.clone()).await.unwrap();
    assert_eq!(not_modified.status(), 304);
    assert_eq!(not_modified.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(
        not_modified.headers()["cache-control"].to_str().unwrap(),
        cache_control
    );
    assert_eq!(not_modified.text().await.unwrap(), "");
    let listed = conditional(format!("\"nope\", W/{etag}")).await.unwrap();
    assert_eq!(listed.status(), 304);
    let other = conditional("\"nope\"".into()).await.unwrap();
    assert_eq!(other.status(), 200);
    assert_eq!(other.text().await.unwrap(), body);

    // The same bytes from another spelling carry the same ETag.
    let again = app.get("/dashboard?id=BTC&date=2021-7-6").await;
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);

    // Changed data: a new ETag, and the old one no longer matches.
    let mut closes = btc_closes();
    closes[35] += 1.0;
    app.import_files(&[(
        "coin_Bitcoin.csv",
        fixtures::coin_file("Bitcoin", "BTC", "2021-06-01", &closes),
    )])
    .await
    .unwrap();
    let changed = conditional(etag.clone()).await.unwrap();
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    let rows: serde_json::Value = changed.json().await.unwrap();
    assert_eq!(rows[0]["price"], closes[35]);

    // Errors carry no validator.
    let error = app.get("/dashboard?id=btc&date=2021-02-30").await;
    assert_eq!(error.status(), 400);
    assert!(error.headers().get("etag").is_none());
}

on_both_stores!(
    hits_misses_and_normalization,
    concurrent_misses_compute_once,
    etags_and_not_modified
);

/// Coalescing at the cache itself: 32 concurrent misses for one key wait on one slow
/// computation instead of running 32.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_computation_for_concurrent_misses() {
    let settings = CacheSettings {
        redis_url: Some(redis_url()),
        redis_prefix: unique_redis_prefix("coalescing-unit"),
        redis_timeout: Duration::from_secs(1),
        ..CacheSettings::default()
    };
    let cache = ResponseCache::build(&settings, 1).await.unwrap();
    let computations = Arc::new(AtomicUsize::new(0));
    let key = CacheKey::new("test").param("n", 7);
    let lookups = (0..32).map(|_| {
        let computations = computations.clone();
        let cache = cache.clone();
        let key = key.clone();
        async move {
            cache
                .get_or_compute(&key, || async move {
                    computations.fetch_add(1, Ordering::SeqCst);
                    // Slow enough that every lookup arrives while it runs.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    Ok::<_, ApiError>(Answer::json(&json!({"n": 7})))
                })
                .await
                .map(|answer| answer.body().clone())
        }
    });
    let bodies = futures::future::join_all(lookups.map(tokio::spawn)).await;
    assert_eq!(computations.load(Ordering::SeqCst), 1);
    for body in bodies {
        assert_eq!(body.unwrap().unwrap(), &br#"{"n":7}"#[..]);
    }
    let stats = cache.stats();
    assert_eq!(
        (stats.computations, stats.l1_misses, stats.l1_hits),
        (1, 1, 31)
    );

    // A failed computation is shared by its waiters but not cached: the next lookup retries.
    let failing = CacheKey::new("test").param("n", 8);
    let error = cache
        .get_or_compute(&failing, || async {
            Err(ApiError::NotFound("nothing".into()))
        })
        .await
        .unwrap_err();
    assert_eq!(error.status(), 404);
    let retried = cache
        .get_or_compute(&failing, || async { Ok::<_, ApiError>(Answer::json(&8)) })
        .await
        .unwrap();
    assert_eq!(retried.body(), &b"8"[..]);
}

/// The whole real data set through the cache: the first `id=all` computes, every other
/// spelling is served from L1 with the same bytes and ETag.
async fn real_data_through_the_cache(backend: Backend) {
    let app = spawn_app_with(backend, with_redis(&unique_redis_prefix("real"))).await;
    app.import_real_data().await;
    let first = app.get("/dashboard?id=all&order_by=market-cap").await;
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].clone();
    let rows: serde_json::Value = first.json().await.unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 23, "every coin has a record on 2021-07-06");
    assert_eq!(rows[0]["symbol"], "BTC", "the largest market cap");
    assert_eq!(rows[0]["price"], json!(34235.19345116));
    assert_eq!(rows[0]["market-cap"], json!(641899161593.76));

    let before = app.cache.stats();
    let again = app
        .get("/dashboard?id=ALL&order_by=market_cap&order_type=DESC")
        .await;
    assert_eq!(again.headers()["etag"], etag);
    assert_eq!(delta(before, app.cache.stats()), stats(1, 0, 0, 0, 0));
    let same: serde_json::Value = again.json().await.unwrap();
    assert_eq!(same.as_array().unwrap(), rows);
}

on_both_stores!(real_data_through_the_cache);

on_both_stores!(market_tables_are_shared_through_redis);

/// A day's market table goes to Redis too: another instance cuts its pages from it without
/// reading the store.
async fn market_tables_are_shared_through_redis(backend: Backend) {
    let prefix = unique_redis_prefix("tables");
    let app = spawn_app_with(backend, with_redis(&prefix)).await;
    import_two_coins(&app).await;
    let page =
        |n: u32| format!("/api/v1/markets?date=2021-07-06&order_by=price&per_page=1&page={n}");
    let first = app.get_ok(&page(1)).await;
    assert_eq!(first["data"][0]["symbol"], "BTC");
    let v3 = "/api/v3/coins/markets?vs_currency=usd&order=id_asc&per_page=1";
    app.get_ok(v3).await;

    let second = spawn_app_configured(app.db.shared(), with_redis(&prefix)).await;
    let other = second.get_ok(&page(2)).await;
    assert_eq!(other["data"][0]["symbol"], "ETH");
    assert_eq!(other["data"][0]["price"], eth_closes()[35]);
    let coins = second.get_ok(&format!("{v3}&page=2")).await;
    assert_eq!(coins[0]["id"], "ethereum");
    assert_eq!(coins[0]["current_price"], eth_closes()[35]);
    for tables in [second.tables.v1.stats(), second.tables.v3.stats()] {
        assert_eq!(tables, stats(0, 1, 1, 0, 0), "an L2 hit, nothing computed");
    }
    // The page answers themselves were new to both levels.
    assert_eq!(second.cache.stats().computations, 2);
}
