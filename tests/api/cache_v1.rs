//! The /api/v1 read routes answer through the same read cache as the compatibility routes:
//! one entry per question however it is spelled, never stale after a change.

use crate::cache_reads::{btc_closes, import_two_coins};
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
        let a = app.get_ok(first).await;
        let b = app.get_ok(second).await;
        assert_eq!(a, b, "{first} and {second} answer alike");
        assert_eq!(
            app.cache.stats().computations - before,
            1,
            "{first} then {second}"
        );
    }

    // Stats list coins in the order asked: another order is another answer.
    let reversed = app.get_ok("/api/v1/stats?ids=eth,btc&from=2021-6-1").await;
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
    import_btc_on_july_7(&app).await;
    let coin = app.get_ok("/api/v1/coins/BTC").await;
    assert_eq!(coin["latest"]["date"], "2021-07-07");
    assert_eq!(coin["latest"]["close"], 99_999.0);
}

on_both_stores!(markets_pages_are_cut_from_one_table_per_day);

/// Every page and sort order of a day's markets is cut from one table: the store is read
/// for the first of them only, and again only once the data changed.
async fn markets_pages_are_cut_from_one_table_per_day(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    import_two_coins(&app).await;
    let tables = |app: &crate::helpers::TestApp| {
        (
            app.tables.v1.stats().computations,
            app.tables.v3.stats().computations,
        )
    };
    let symbols = |page: &serde_json::Value| -> Vec<String> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["symbol"].as_str().unwrap().to_owned())
            .collect()
    };

    let (answers, before) = (app.cache.stats().computations, tables(&app));
    let path = "/api/v1/markets?date=2021-07-06&order_by=price&per_page=1";
    let first = app.get_ok(&format!("{path}&page=1")).await;
    let second = app.get_ok(&format!("{path}&page=2")).await;
    let ascending = app.get_ok(&format!("{path}&page=1&order_type=asc")).await;
    let everything = app.get_ok("/api/v1/markets?date=2021-7-6").await;
    assert_eq!(symbols(&first), ["BTC"]);
    assert_eq!(symbols(&second), ["ETH"]);
    assert_eq!(symbols(&ascending), ["ETH"]);
    assert_eq!(symbols(&everything).len(), 2);
    assert_eq!(
        (first["total"].clone(), second["page"].clone()),
        (2.into(), 2.into())
    );
    assert_eq!(first["data"][0]["price"], btc_closes()[35]);
    assert_eq!(first["data"][0], everything["data"][0]);
    assert_eq!(app.cache.stats().computations - answers, 4, "four answers");
    assert_eq!(tables(&app), (before.0 + 1, before.1), "one table");

    let path = "/api/v3/coins/markets?vs_currency=usd&date=2021-07-06&per_page=1";
    let ids = |page: serde_json::Value| -> Vec<String> {
        page.as_array()
            .unwrap()
            .iter()
            .map(|coin| coin["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(app.get_ok(&format!("{path}&order=id_asc")).await),
        ["bitcoin"]
    );
    assert_eq!(
        ids(app.get_ok(&format!("{path}&order=id_asc&page=2")).await),
        ["ethereum"]
    );
    assert_eq!(
        ids(app.get_ok(&format!("{path}&order=id_desc")).await),
        ["ethereum"]
    );
    assert_eq!(tables(&app), (before.0 + 1, before.1 + 1), "one table each");

    // A write moves the generation: the next page, even one asked before, reads the new data.
    let latest = "/api/v1/markets?order_by=price&per_page=1";
    let old = app.get_ok(latest).await;
    assert_eq!(
        (old["date"].as_str(), old["total"].as_u64()),
        (Some("2021-07-06"), Some(2))
    );
    let v3_latest = "/api/v3/coins/markets?vs_currency=usd&order=id_asc&per_page=1";
    let old_v3 = app.get_ok(v3_latest).await;
    assert_eq!(old_v3[0]["current_price"], btc_closes()[35]);
    import_btc_on_july_7(&app).await;
    let before = tables(&app);
    let new = app.get_ok(latest).await;
    assert_eq!(
        (new["date"].as_str(), new["total"].as_u64()),
        (Some("2021-07-07"), Some(1))
    );
    assert_eq!(new["data"][0]["price"], 99_999.0);
    let new_v3 = app.get_ok(v3_latest).await;
    assert_eq!(new_v3[0]["current_price"], 99_999.0);
    assert_eq!(tables(&app), (before.0 + 1, before.1 + 1), "new tables");
}

/// A change: Bitcoin's record of 2021-07-07 (the day after the fixtures), closing at 99,999.
async fn import_btc_on_july_7(app: &crate::helpers::TestApp) {
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
}
