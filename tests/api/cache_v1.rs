//! The /api/v1 read routes answer through the same read cache as the compatibility routes:
//! one entry per question however it is spelled, never stale after a change.

use crate::cache_reads::import_two_coins;
use crate::helpers::{fixtures, spawn_app_with, Backend};
use crate::on_both_stores;

on_both_stores!(v1_reads_share_entries_and_follow_changes);

async fn v1_reads_share_entries_and_follow_changes(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    import_two_coins(&app).await;

    // Each route, asked twice in different spellings: one computation.
    let pairs = [
        (
            "/api/v1/markets?ids=BTC,eth&date=2021-7-6",
            "/api/v1/markets?ids=eth,%20btc&date=2021-07-06",
        ),
        (
            "/api/v1/coins/btc/history?from=2021-6-1&interval=1w",
            "/api/v1/coins/BTC/history?from=2021-06-01&interval=1w",
        ),
        ("/api/v1/coins/btc", "/api/v1/coins/BTC"),
        // Blanks around q are trimmed; its case is kept, as the answer echoes it (q=Bit and
        // q=bit are two entries: see v1_search).
        (
            "/api/v1/search?q=%20Bit%20",
            "/api/v1/search?q=Bit&limit=10",
        ),
        (
            "/api/v1/stats?ids=btc,eth&from=2021-6-1",
            "/api/v1/stats?ids=BTC,ETH&from=2021-06-01",
        ),
        ("/api/v1/coins", "/api/v1/coins"),
    ];
    for (first, second) in pairs {
        let before = app.cache.stats().computations;
        let a = app.get_json(first, 200).await;
        let b = app.get_json(second, 200).await;
        assert_eq!(a, b, "{first} and {second} answer alike");
        assert_eq!(
            app.cache.stats().computations - before,
            1,
            "{first} then {second}"
        );
    }

    // Stats list coins in the order asked: another order is another answer.
    let reversed = app
        .get_json("/api/v1/stats?ids=eth,btc&from=2021-6-1", 200)
        .await;
    assert_eq!(
        reversed["correlation"]["symbols"],
        serde_json::json!(["ETH", "BTC"])
    );

    // An ETag, and a 304 for it.
    let response = app.get("/api/v1/coins/BTC").await;
    let etag = response.headers()["etag"].clone();
    let revalidated = app
        .client
        .get(format!("{}/api/v1/coins/btc", app.address))
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status().as_u16(), 304);

    // A change is seen by the next read.
    let mut file = fixtures::HEADER.to_owned();
    file.push_str(&fixtures::row(
        1,
        "Bitcoin",
        "BTC",
        chrono::NaiveDate::from_ymd_opt(2021, 7, 7).unwrap(),
        99_999.0,
        1.0,
    ));
    app.import_files(&[("coin_Bitcoin.csv", file)])
        .await
        .unwrap();
    let coin = app.get_json("/api/v1/coins/BTC", 200).await;
    assert_eq!(coin["latest"]["date"], "2021-07-07");
    assert_eq!(coin["latest"]["close"], 99_999.0);
}
