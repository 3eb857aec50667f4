//! Never stale after a write: the instance that took a write answers the next read with it;
//! a second instance sharing the database sees it within 1 second, through Redis pub/sub or,
//! without Redis, through the periodic database check.

use std::time::{Duration, Instant};

use krispyto::import::{self, source::Source, Progress};
use krispyto::startup::AppConfig;
use serde_json::{json, Value};

use crate::cache_reads::{btc_closes, import_two_coins};
use crate::helpers::{
    fixtures, redis_url, spawn_app_configured, spawn_app_with, unique_redis_prefix, Backend,
    TestApp,
};
use crate::on_both_stores;

pub const KEY: &str = "test-key-1";

/// BTC's price on 2021-07-06 as `app` answers it now.
async fn btc_price(app: &TestApp) -> Value {
    app.get_ok("/dashboard?id=btc&date=2021-07-06").await[0]["price"].clone()
}

/// Asks `app` for BTC's price until it is `expected`, for at most `bound` (a bound on how
/// long the test waits, not a timing assertion: the spec promises 1 second).
async fn wait_for_price(app: &TestApp, expected: f64, bound: Duration) -> Value {
    let deadline = Instant::now() + bound;
    loop {
        let price = btc_price(app).await;
        if price == json!(expected) || Instant::now() >= deadline {
            return price;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Writes a new close for BTC on 2021-07-06 through the API of `app`.
pub async fn write_btc_close(app: &TestApp, close: f64) {
    let response = app
        .client
        .post(format!("{}/api/v1/coins/btc/records", app.address))
        .bearer_auth(KEY)
        .json(
            &json!([{"date": "2021-07-06", "open": close, "high": close, "low": close,
                       "close": close, "volume": 1.0, "market_cap": 2.0}]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let counts: Value = response.json().await.unwrap();
    assert_eq!(counts, json!({"inserted": 0, "updated": 1, "unchanged": 0}));
}

fn configure(
    redis_prefix: Option<String>,
    generation_poll: Duration,
) -> impl FnOnce(&mut AppConfig) {
    move |config| {
        if let Some(prefix) = redis_prefix {
            config.cache.redis_url = Some(redis_url());
            config.cache.redis_prefix = prefix;
            // Not the 50 ms default: a busy test machine must not look like a Redis outage.
            config.cache.redis_timeout = Duration::from_secs(1);
        }
        config.cache.generation_poll = generation_poll;
        config.writes.api_keys = vec![KEY.to_owned()];
    }
}

/// Through Redis: the database check is slowed to an hour, so only pub/sub can tell.
async fn a_write_reaches_the_other_instance_through_redis(backend: Backend) {
    let prefix = unique_redis_prefix("pubsub");
    let hour = Duration::from_secs(3600);
    let first = spawn_app_with(backend, configure(Some(prefix.clone()), hour)).await;
    import_two_coins(&first).await;
    let second = spawn_app_configured(first.db.shared(), configure(Some(prefix), hour)).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while !second.cache.redis_is_following() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(second.cache.redis_is_following());

    // The second instance already learned of the import (announced by the test helper).
    assert_eq!(btc_price(&second).await, json!(btc_closes()[35]));
    assert_eq!(btc_price(&first).await, json!(btc_closes()[35]));

    write_btc_close(&first, 123.5).await;
    assert_eq!(
        btc_price(&first).await,
        json!(123.5),
        "the writer's next read"
    );
    assert_eq!(
        wait_for_price(&second, 123.5, Duration::from_secs(1)).await,
        json!(123.5),
        "the other instance within 1 s"
    );
    assert_eq!(
        second.cache.generation().current(),
        first.cache.generation().current()
    );
}

/// Without Redis: the periodic database check (default 500 ms) carries it.
async fn a_write_reaches_the_other_instance_without_redis(backend: Backend) {
    let poll = Duration::from_millis(500);
    let first = spawn_app_with(backend, configure(None, poll)).await;
    import_two_coins(&first).await;
    let second = spawn_app_configured(first.db.shared(), configure(None, poll)).await;
    assert_eq!(btc_price(&second).await, json!(btc_closes()[35]));

    write_btc_close(&first, 99.25).await;
    assert_eq!(
        btc_price(&first).await,
        json!(99.25),
        "the writer's next read"
    );
    assert_eq!(
        wait_for_price(&second, 99.25, Duration::from_secs(1)).await,
        json!(99.25),
        "the other instance within 1 s"
    );

    // A change made straight in the database (as `krispyto import` on a shared database
    // does) is picked up by both, also within 1 s.
    let outside = first.db.connect().await;
    let dir = tempfile::tempdir().unwrap();
    let mut closes = btc_closes();
    closes[35] = 7.0;
    std::fs::write(
        dir.path().join("coin_Bitcoin.csv"),
        fixtures::coin_file("Bitcoin", "BTC", "2021-06-01", &closes),
    )
    .unwrap();
    import::import(
        &outside,
        &[Source::Path(dir.path().to_owned())],
        Progress::Hidden,
    )
    .await
    .unwrap();
    for app in [&first, &second] {
        assert_eq!(
            wait_for_price(app, 7.0, Duration::from_secs(1)).await,
            json!(7.0)
        );
    }
}

on_both_stores!(
    a_write_reaches_the_other_instance_through_redis,
    a_write_reaches_the_other_instance_without_redis
);
