//! The write API: `PUT /api/v1/coins/{symbol}` and `POST /api/v1/coins/{symbol}/records`,
//! every status it answers, and the database unchanged after every refused write.

use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::{json, Value};

use krispyto::domain::Currency;

use crate::cache_reads::{btc_closes, import_two_coins, two_coin_files};
use crate::helpers::{spawn_app, spawn_app_with, Backend, TestApp};
use crate::on_both_stores;

const KEY: &str = "s3cret-key";

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    key: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Answer {
    let mut request = app
        .client
        .request(method, format!("{}{path}", app.address))
        .header("content-type", "application/json")
        .body(body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("{status}: not a JSON body: {text:?}"));
    Answer {
        status,
        headers,
        body,
    }
}

async fn post_records(app: &TestApp, symbol: &str, key: Option<&str>, body: Value) -> Answer {
    send(
        app,
        Method::POST,
        &format!("/api/v1/coins/{symbol}/records"),
        key,
        body.to_string(),
    )
    .await
}

async fn put_coin(app: &TestApp, symbol: &str, key: Option<&str>, body: Value) -> Answer {
    send(
        app,
        Method::PUT,
        &format!("/api/v1/coins/{symbol}"),
        key,
        body.to_string(),
    )
    .await
}

fn record(date: &str, close: f64) -> Value {
    json!({"date": date, "open": close, "high": close * 2.0, "low": close / 2.0,
           "close": close, "volume": 1000.0, "market_cap": 5e9})
}

/// What the database holds, to compare before and after a refused write: every change
/// bumps the generation, and the coins and record count are checked as well.
#[derive(Debug, PartialEq)]
struct Snapshot {
    generation: i64,
    records: i64,
    coins: Vec<Currency>,
}

async fn snapshot(app: &TestApp) -> Snapshot {
    Snapshot {
        generation: app.store.generation().await.unwrap(),
        records: app.store.record_count().await.unwrap(),
        coins: app.store.currencies().await.unwrap(),
    }
}

/// The database is as it was `before`.
async fn assert_unchanged(app: &TestApp, before: &Snapshot) {
    assert_eq!(
        &snapshot(app).await,
        before,
        "a refused write changed the database"
    );
}

async fn writes_need_configured_keys(backend: Backend) {
    let app = spawn_app(backend).await;
    import_two_coins(&app).await;
    let before = snapshot(&app).await;
    for answer in [
        put_coin(&app, "DOGE", Some(KEY), json!({"name": "Dogecoin"})).await,
        put_coin(&app, "DOGE", None, json!({"name": "Dogecoin"})).await,
        post_records(&app, "BTC", Some(KEY), json!([record("2021-07-07", 1.0)])).await,
    ] {
        assert_eq!(answer.status, 403, "{}", answer.body);
        assert_unchanged(&app, &before).await;
        let message = answer.body["error"].as_str().unwrap();
        assert!(message.contains("KRISPYTO_API_KEYS"), "{message}");
    }
    assert_eq!(snapshot(&app).await, before);
    // Reads stay public.
    app.get_json("/dashboard?id=btc", 200).await;
    // A wrong method names the ones the route takes.
    let response = app.get("/api/v1/coins/BTC/records").await;
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let message = response.json::<Value>().await.unwrap()["error"].clone();
    assert!(
        message.as_str().unwrap().contains("'Allow' header"),
        "{message}"
    );
}

async fn every_refusal_leaves_the_database_unchanged(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.writes.api_keys = vec!["other-key".into(), KEY.into()];
    })
    .await;
    import_two_coins(&app).await;
    let before = snapshot(&app).await;
    let valid = json!([record("2021-07-07", 1.0)]);

    // 401: no key, a wrong key, another scheme.
    for key in [None, Some("wrong"), Some("s3cret-ke")] {
        let answer = post_records(&app, "BTC", key, valid.clone()).await;
        assert_eq!(answer.status, 401, "{key:?}");
        assert_unchanged(&app, &before).await;
        let challenge = answer.headers["www-authenticate"].to_str().unwrap();
        assert!(challenge.starts_with("Bearer"), "{challenge}");
        assert!(answer.body["error"]
            .as_str()
            .unwrap()
            .contains("Authorization"));
        let answer = put_coin(&app, "DOGE", key, json!({"name": "Dogecoin"})).await;
        assert_eq!(answer.status, 401);
        assert_unchanged(&app, &before).await;
    }
    let basic = app
        .client
        .put(format!("{}/api/v1/coins/DOGE", app.address))
        .header("authorization", format!("Basic {KEY}"))
        .body(r#"{"name":"Dogecoin"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);
    assert_unchanged(&app, &before).await;
    assert_eq!(snapshot(&app).await, before);

    // 404: an unknown coin.
    let answer = post_records(&app, "DOGE", Some(KEY), valid.clone()).await;
    assert_eq!(answer.status, 404);
    assert_unchanged(&app, &before).await;
    assert!(answer.body["error"]
        .as_str()
        .unwrap()
        .contains("PUT /api/v1/coins/DOGE"));

    // 400: malformed JSON, as a JSON error; a bad symbol in the path.
    for body in ["[{\"date\": ", "", "not json"] {
        let answer = send(
            &app,
            Method::POST,
            "/api/v1/coins/btc/records",
            Some(KEY),
            body,
        )
        .await;
        assert_eq!(answer.status, 400, "{body:?}");
        assert_unchanged(&app, &before).await;
        assert_eq!(
            answer.headers["content-type"].to_str().unwrap(),
            "application/json"
        );
        assert!(answer.body["error"]
            .as_str()
            .unwrap()
            .contains("not valid JSON"));
    }
    let answer = send(
        &app,
        Method::PUT,
        "/api/v1/coins/b%20c",
        Some(KEY),
        r#"{"name":"x"}"#,
    )
    .await;
    assert_eq!(answer.status, 400);
    assert_unchanged(&app, &before).await;
    assert!(answer.body["error"].as_str().unwrap().contains("symbol"));

    // 422: not an array; then every invalid record listed, and none of the valid ones written.
    let answer = post_records(&app, "BTC", Some(KEY), json!({"date": "2021-07-07"})).await;
    assert_eq!(answer.status, 422);
    assert_unchanged(&app, &before).await;
    let answer = post_records(
        &app,
        "BTC",
        Some(KEY),
        json!([
            record("2021-07-07", 1.0),
            {"date": "2021-7-8", "open": 1, "high": 2, "low": 1, "close": 1, "volume": 1, "market_cap": 1},
            {"date": "2021-07-09", "open": 1, "high": 0.5, "low": 1, "close": 1, "volume": 1, "market_cap": 1},
            {"date": "2021-07-10", "open": 1, "high": 2, "low": 1, "close": "1", "volume": -1},
            record("2021-07-07", 2.0),
            record("2021-07-11", -3.0),
            "a string",
        ]),
    )
    .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_unchanged(&app, &before).await;
    let listed: Vec<(u64, &str)> = answer.body["invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["index"].as_u64().unwrap(), p["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            (1, "date"),
            (2, "high"),
            (3, "close"),
            (3, "market_cap"),
            (4, "date"),
            (5, "open"),
            (6, "record"),
        ],
        "{}",
        answer.body
    );
    let message = answer.body["error"].as_str().unwrap();
    assert!(message.starts_with("6 of 7 records"), "{message}");
    let reasons: Vec<&str> = answer.body["invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["reason"].as_str().unwrap())
        .collect();
    assert!(reasons[0].contains("YYYY-MM-DD"), "{reasons:?}");
    assert!(reasons[1].contains("below low"), "{reasons:?}");
    assert!(reasons[2].contains("must be a number"), "{reasons:?}");
    assert!(reasons[4].contains("record 0"), "{reasons:?}");
    assert!(reasons[5].contains("negative"), "{reasons:?}");

    // 422 for a coin body; 409 for a name another coin has.
    let answer = put_coin(&app, "DOGE", Some(KEY), json!({"name": " "})).await;
    assert_eq!(answer.status, 422);
    assert_unchanged(&app, &before).await;
    assert_eq!(answer.body["invalid"][0]["field"], "name");
    let answer = put_coin(&app, "DOGE", Some(KEY), json!({"name": "Bitcoin"})).await;
    assert_eq!(answer.status, 409, "{}", answer.body);
    assert_unchanged(&app, &before).await;
    assert!(answer.body["error"].as_str().unwrap().contains("BTC"));

    // 413: above the 1 MiB default.
    let rows: Vec<Value> = (0..12_000).map(|_| record("2021-07-07", 1.0)).collect();
    let big = Value::Array(rows).to_string();
    assert!(big.len() > 1024 * 1024);
    let answer = send(
        &app,
        Method::POST,
        "/api/v1/coins/btc/records",
        Some(KEY),
        big,
    )
    .await;
    assert_eq!(answer.status, 413);
    assert_unchanged(&app, &before).await;
    assert!(answer.body["error"]
        .as_str()
        .unwrap()
        .contains("KRISPYTO_MAX_BODY_BYTES"));

    assert_eq!(snapshot(&app).await, before, "nothing was written");
    // And the reads still show the imported data.
    let rows = app.get_json("/dashboard?id=btc&date=2021-07-06", 200).await;
    assert_eq!(rows[0]["price"], json!(btc_closes()[35]));
}

async fn writes_create_rename_and_upsert(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.writes.api_keys = vec![KEY.into()];
        config.writes.max_body_bytes = 64 * 1024;
    })
    .await;
    import_two_coins(&app).await;

    let created = put_coin(&app, "doge", Some(KEY), json!({"name": "Doge"})).await;
    assert_eq!(created.status, 201);
    assert_eq!(
        created.body,
        json!({"symbol": "DOGE", "name": "Doge", "id": "doge"})
    );
    assert_eq!(created.headers["location"], "/api/v1/coins/DOGE");
    let same = put_coin(&app, "DOGE", Some(KEY), json!({"name": "Doge"})).await;
    assert_eq!(
        (same.status, same.body.clone()),
        (200, created.body.clone())
    );
    let generation = app.store.generation().await.unwrap();
    let renamed = put_coin(&app, "DOGE", Some(KEY), json!({"name": "Dogecoin"})).await;
    assert_eq!(renamed.status, 200);
    assert_eq!(
        renamed.body,
        json!({"symbol": "DOGE", "name": "Dogecoin", "id": "doge"})
    );
    assert_eq!(app.store.generation().await.unwrap(), generation + 1);
    assert_eq!(
        app.get_json("/search?name=dogecoin", 200).await,
        json!({"name": "Dogecoin", "symbol": "DOGE"})
    );

    let records = json!([
        record("2021-07-06", 0.2),
        record("2021-07-05", 0.25),
        record("2021-07-06", 0.2),
    ]);
    let answer = post_records(&app, "doge", Some(KEY), records.clone()).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        json!({"inserted": 2, "updated": 0, "unchanged": 0})
    );
    let answer = post_records(&app, "DOGE", Some(KEY), records).await;
    assert_eq!(
        answer.body,
        json!({"inserted": 0, "updated": 0, "unchanged": 2})
    );
    let answer = post_records(
        &app,
        "DOGE",
        Some(KEY),
        json!([record("2021-07-06", 0.3), record("2021-07-04", 0.1)]),
    )
    .await;
    assert_eq!(
        answer.body,
        json!({"inserted": 1, "updated": 1, "unchanged": 0})
    );
    let answer = post_records(&app, "DOGE", Some(KEY), json!([])).await;
    assert_eq!(
        answer.body,
        json!({"inserted": 0, "updated": 0, "unchanged": 0})
    );

    // The reads show it at once (the cache moved to the new generation).
    let rows = app
        .get_json("/dashboard?id=doge&date=2021-07-06", 200)
        .await;
    assert_eq!(rows[0]["price"], json!(0.3));
    assert_eq!(rows[0]["crypto"], "Dogecoin");
    let change = rows[0]["24h"].as_f64().unwrap();
    assert!(
        (change - 20.0).abs() < 1e-9,
        "0.25 -> 0.3 is +20 %: {change}"
    );

    // The configured body limit.
    let before = snapshot(&app).await;
    let rows: Vec<Value> = (0..1000).map(|_| record("2021-07-07", 1.0)).collect();
    let answer = post_records(&app, "DOGE", Some(KEY), Value::Array(rows)).await;
    assert_eq!(answer.status, 413);
    assert_unchanged(&app, &before).await;
}

/// `(ath, ath_date)` of BTC in `/api/v1/markets` on `date`.
async fn btc_ath(app: &TestApp, date: &str) -> (Value, Value) {
    let page = app
        .get_json(&format!("/api/v1/markets?ids=btc&date={date}"), 200)
        .await;
    let row = &page["data"][0];
    (row["ath"].clone(), row["ath_date"].clone())
}

/// Asserts BTC's all-time high and its day as markets shows them on each day given.
async fn assert_btc_aths(app: &TestApp, expected: &[(&str, Value, &str)]) {
    for (date, high, high_date) in expected {
        assert_eq!(
            btc_ath(app, date).await,
            (high.clone(), json!(high_date)),
            "on {date}"
        );
    }
}

/// The all-time high is precomputed (migration 0007, table `market_day`): after the import and
/// after every write, markets shows the ATH of the data as it now is.
async fn the_all_time_high_follows_every_write(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.writes.api_keys = vec![KEY.into()];
    })
    .await;
    // BTC: 2021-06-01..07-06, close 30,000 + 100 i, high = close × 1.1 (rising every day).
    import_two_coins(&app).await;
    let high = |i: usize| json!(btc_closes()[i] * 1.1);
    assert_btc_aths(
        &app,
        &[
            ("2021-06-20", high(19), "2021-06-20"),
            ("2021-07-06", high(35), "2021-07-06"),
        ],
    )
    .await;

    // A new high in the past (record() writes high = 2 × close) rules every later day.
    let answer = post_records(
        &app,
        "BTC",
        Some(KEY),
        json!([record("2021-06-10", 50_000.0)]),
    )
    .await;
    assert_eq!(
        answer.body,
        json!({"inserted": 0, "updated": 1, "unchanged": 0})
    );
    assert_btc_aths(
        &app,
        &[
            ("2021-06-09", high(8), "2021-06-09"),
            ("2021-06-10", json!(100_000.0), "2021-06-10"),
            ("2021-06-20", json!(100_000.0), "2021-06-10"),
            ("2021-07-06", json!(100_000.0), "2021-06-10"),
        ],
    )
    .await;

    // Lowering that past high gives every later day its own high back.
    post_records(&app, "BTC", Some(KEY), json!([record("2021-06-10", 10.0)])).await;
    assert_btc_aths(
        &app,
        &[
            ("2021-06-10", high(8), "2021-06-09"),
            ("2021-06-20", high(19), "2021-06-20"),
            ("2021-07-06", high(35), "2021-07-06"),
        ],
    )
    .await;

    // A new latest day with a new high, and one with an equal high: the first day keeps it.
    post_records(
        &app,
        "BTC",
        Some(KEY),
        json!([
            record("2021-07-07", 40_000.0),
            record("2021-07-08", 40_000.0)
        ]),
    )
    .await;
    assert_btc_aths(
        &app,
        &[
            ("2021-07-08", json!(80_000.0), "2021-07-07"),
            ("2021-07-06", high(35), "2021-07-06"),
        ],
    )
    .await;
}

/// `(ath, ath_date, atl, atl_date)` of BTC in `/api/v3/coins/markets` on `date` (by close).
async fn btc_close_extremes(app: &TestApp, date: &str) -> [Value; 4] {
    let rows = app
        .get_json(
            &format!("/api/v3/coins/markets?vs_currency=usd&ids=bitcoin&date={date}"),
            200,
        )
        .await;
    let row = &rows[0];
    ["ath", "ath_date", "atl", "atl_date"].map(|field| row[field].clone())
}

/// The highest and lowest close are precomputed (migration 0006, tables `close_step` and
/// `close_month`): after the import and after every write, `/api/v3/coins/markets` shows
/// those of the data as it now is.
async fn the_close_extremes_follow_every_write(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.writes.api_keys = vec![KEY.into()];
    })
    .await;
    // BTC: 2021-06-01..07-06, close 30,000 + 100 i (rising every day).
    import_two_coins(&app).await;
    let close = |i: usize| json!(btc_closes()[i]);
    // CoinGecko dates a close at the end of its day: midnight starting the next.
    let at = |day: &str| {
        let next =
            chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap() + chrono::Days::new(1);
        json!(format!("{next}T00:00:00.000Z"))
    };
    assert_eq!(
        btc_close_extremes(&app, "2021-06-20").await,
        [close(19), at("2021-06-20"), close(0), at("2021-06-01")]
    );

    // A new highest close in the past, and a new lowest in another month.
    post_records(
        &app,
        "BTC",
        Some(KEY),
        json!([record("2021-06-10", 50_000.0), record("2021-07-02", 10.0)]),
    )
    .await;
    assert_eq!(
        btc_close_extremes(&app, "2021-06-09").await,
        [close(8), at("2021-06-09"), close(0), at("2021-06-01")]
    );
    assert_eq!(
        btc_close_extremes(&app, "2021-07-01").await,
        [
            json!(50_000.0),
            at("2021-06-10"),
            close(0),
            at("2021-06-01")
        ]
    );
    assert_eq!(
        btc_close_extremes(&app, "2021-07-06").await,
        [
            json!(50_000.0),
            at("2021-06-10"),
            json!(10.0),
            at("2021-07-02")
        ]
    );

    // Putting them back gives every day its own extremes back; an equal close later is not
    // a new extreme.
    post_records(
        &app,
        "BTC",
        Some(KEY),
        json!([
            record("2021-06-10", btc_closes()[9]),
            record("2021-07-02", btc_closes()[31]),
            record("2021-07-07", btc_closes()[35]),
        ]),
    )
    .await;
    assert_eq!(
        btc_close_extremes(&app, "2021-07-07").await,
        [close(35), at("2021-07-06"), close(0), at("2021-06-01")]
    );
}

/// A re-import skips the coins whose stored digest (migration 0005, table `coin_digest`)
/// equals the file's, without reading their records; a write in between keeps the digests
/// right, so the re-import puts back exactly what the write changed.
async fn a_reimport_restores_what_a_write_changed_and_skips_the_rest(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.writes.api_keys = vec![KEY.into()];
    })
    .await;
    import_two_coins(&app).await;
    let before = app.get_json("/api/v1/coins/BTC/history", 200).await;

    // An update of one BTC day and a new ETH day through the write API.
    post_records(&app, "BTC", Some(KEY), json!([record("2021-06-10", 1.0)])).await;
    post_records(&app, "ETH", Some(KEY), json!([record("2021-07-07", 1.0)])).await;
    // (inserted, updated, unchanged) of a re-import of the fixtures.
    let reimport = || async {
        let report = app.import_files(&two_coin_files()).await.unwrap();
        let s = &report.summary;
        ((s.inserted, s.updated, s.unchanged), s.generation)
    };
    let (counts, generation) = reimport().await;
    assert_eq!(counts, (0, 1, 71));
    assert_eq!(app.get_json("/api/v1/coins/BTC/history", 200).await, before);
    let (counts, third_generation) = reimport().await;
    assert_eq!(counts, (0, 0, 72));
    assert_eq!(third_generation, generation, "nothing changed");
}

on_both_stores!(
    a_reimport_restores_what_a_write_changed_and_skips_the_rest,
    the_all_time_high_follows_every_write,
    the_close_extremes_follow_every_write,
    writes_need_configured_keys,
    every_refusal_leaves_the_database_unchanged,
    writes_create_rename_and_upsert
);

mod hardening {
    //! Content types, and a 422 that stays small whatever the body.

    use reqwest::Method;
    use serde_json::{json, Value};

    use super::{put_coin, record, send, KEY};
    use crate::helpers::{spawn_app_with, Backend};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_without_a_json_content_type_are_refused_with_415() {
        let app = spawn_app_with(Backend::Sqlite, |c| c.writes.api_keys = vec![KEY.into()]).await;
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
        ] {
            let mut request = app
                .client
                .put(format!("{}/api/v1/coins/DOGE", app.address))
                .bearer_auth(KEY)
                .body(r#"{"name":"Dogecoin"}"#);
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status().as_u16(), 415, "{content_type:?}");
            let body: Value = response.json().await.unwrap();
            assert!(
                body["error"].as_str().unwrap().contains("application/json"),
                "{body}"
            );
        }
        // Nothing was created.
        app.get_error("/api/v1/coins/DOGE", 404).await;
        // With parameters, any case: accepted.
        let response = app
            .client
            .put(format!("{}/api/v1/coins/DOGE", app.address))
            .bearer_auth(KEY)
            .header("content-type", "Application/JSON; charset=utf-8")
            .body(r#"{"name":"Dogecoin"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_422_lists_at_most_100_problems_and_counts_them_all() {
        let app = spawn_app_with(Backend::Sqlite, |c| c.writes.api_keys = vec![KEY.into()]).await;
        assert_eq!(
            put_coin(&app, "DOGE", Some(KEY), json!({"name": "Dogecoin"}))
                .await
                .status,
            201
        );
        // 3,000 records, each with a negative volume.
        let records: Vec<Value> = (0..3000)
            .map(|i| {
                let mut r = record(
                    &(chrono::NaiveDate::from_ymd_opt(2010, 1, 1).unwrap() + chrono::Days::new(i))
                        .to_string(),
                    1.0,
                );
                r["volume"] = json!(-1.0);
                r
            })
            .collect();
        let answer = send(
            &app,
            Method::POST,
            "/api/v1/coins/DOGE/records",
            Some(KEY),
            Value::Array(records).to_string(),
        )
        .await;
        assert_eq!(answer.status, 422);
        assert_eq!(answer.body["invalid"].as_array().unwrap().len(), 100);
        assert_eq!(answer.body["total"], 3000);
        assert_eq!(answer.body["invalid"][0]["index"], 0);
        assert!(
            answer.body["error"]
                .as_str()
                .unwrap()
                .contains("3000 of 3000"),
            "{}",
            answer.body["error"]
        );
    }
}
