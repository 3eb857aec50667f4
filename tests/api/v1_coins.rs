//! `/api/v1/coins`, `/api/v1/coins/{symbol}` and `/api/v1/coins/{symbol}/history` against
//! fixtures the tests write (the real data is checked in `v1_real_data`).

use serde_json::{json, Value};

use crate::helpers::{fixtures::coin_file, spawn_app, Backend, TestApp};
use crate::on_both_stores;

on_both_stores!(
    coins_are_listed_by_symbol_with_their_span,
    a_coin_has_its_latest_record_and_all_time_high_and_low,
    unknown_coins_are_404,
    history_folds_days_into_weeks_and_months,
    history_parameters_are_checked
);

/// ETH: 10 days from Saturday 2021-06-26 to Monday 2021-07-05, closes 10, 11, ..., 19 except
/// a dip to 5 on 2021-06-30. BTC: 3 days from 2021-07-01.
const ETH_CLOSES: [f64; 10] = [10.0, 11.0, 12.0, 13.0, 5.0, 15.0, 16.0, 17.0, 18.0, 19.0];

async fn app_with_fixtures(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    app.import_files(&[
        (
            "eth.csv",
            coin_file("Ethereum", "ETH", "2021-06-26", &ETH_CLOSES),
        ),
        (
            "btc.csv",
            coin_file("Bitcoin", "BTC", "2021-07-01", &[100.0, 120.0, 90.0]),
        ),
    ])
    .await
    .unwrap();
    app
}

async fn coins_are_listed_by_symbol_with_their_span(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(app.get_ok("/api/v1/coins").await, json!([]));
    let app = app_with_fixtures(backend).await;
    assert_eq!(
        app.get_ok("/api/v1/coins").await,
        json!([
            {"id": "bitcoin", "symbol": "BTC", "name": "Bitcoin", "first_date": "2021-07-01", "last_date": "2021-07-03", "days": 3},
            {"id": "ethereum", "symbol": "ETH", "name": "Ethereum", "first_date": "2021-06-26", "last_date": "2021-07-05", "days": 10},
        ])
    );
}

async fn a_coin_has_its_latest_record_and_all_time_high_and_low(backend: Backend) {
    let app = app_with_fixtures(backend).await;
    // The fixture writes high = close * 1.1, low = close * 0.9, open = close,
    // volume = close * 1000, market cap = close * 100.
    let expected = json!({
        "symbol": "ETH",
        "name": "Ethereum",
        "first_date": "2021-06-26",
        "last_date": "2021-07-05",
        "days": 10,
        "latest": {
            "date": "2021-07-05", "open": 19.0, "high": 19.0 * 1.1, "low": 19.0 * 0.9,
            "close": 19.0, "volume": 19.0 * 1000.0, "market_cap": 19.0 * 100.0
        },
        "ath": {"price": 19.0 * 1.1, "date": "2021-07-05"},
        "atl": {"price": 5.0 * 0.9, "date": "2021-06-30"},
    });
    assert_eq!(app.get_ok("/api/v1/coins/ETH").await, expected);
    assert_eq!(app.get_ok("/api/v1/coins/eth").await, expected);
    let btc = app.get_ok("/api/v1/coins/Btc").await;
    assert_eq!(
        btc["ath"],
        json!({"price": 120.0 * 1.1, "date": "2021-07-02"})
    );
    assert_eq!(
        btc["atl"],
        json!({"price": 90.0 * 0.9, "date": "2021-07-03"})
    );
}

async fn unknown_coins_are_404(backend: Backend) {
    let app = app_with_fixtures(backend).await;
    let message = app.get_error("/api/v1/coins/DOGE", 404).await;
    assert!(
        message.contains("'DOGE'") && message.contains("/api/v1/coins"),
        "{message}"
    );
    let message = app.get_error("/api/v1/coins/doge/history", 404).await;
    assert!(message.contains("'doge'"), "{message}");
    // A name is not a symbol.
    app.get_error("/api/v1/coins/Bitcoin", 404).await;
    // A path that is not UTF-8 is a 400, and every answer is JSON.
    let message = app.get_error("/api/v1/coins/%FF", 400).await;
    assert!(message.contains("symbol"), "{message}");
    app.get_error("/api/v1/coins/btc/candles", 404).await;
    let response = app
        .client
        .post(format!("{}/api/v1/coins", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("POST"), "{body}");
}

fn candle(date: &str, closes: &[f64], days: u32) -> Value {
    let high = closes.iter().map(|c| c * 1.1).fold(f64::MIN, f64::max);
    let low = closes.iter().map(|c| c * 0.9).fold(f64::MAX, f64::min);
    let volume: f64 = closes.iter().map(|c| c * 1000.0).sum();
    let last = closes[closes.len() - 1];
    json!({
        "date": date, "open": closes[0], "high": high, "low": low, "close": last,
        "volume": volume, "market_cap": last * 100.0, "days": days
    })
}

async fn history_folds_days_into_weeks_and_months(backend: Backend) {
    let app = app_with_fixtures(backend).await;
    let c = &ETH_CLOSES;

    // Default: every day, ascending.
    let days = app.get_ok("/api/v1/coins/eth/history").await;
    assert_eq!(days["symbol"], "ETH");
    assert_eq!(days["interval"], "1d");
    let candles = days["candles"].as_array().unwrap();
    assert_eq!(candles.len(), 10);
    assert_eq!(candles[4], candle("2021-06-30", &c[4..5], 1));

    // ISO weeks: Sat-Sun of the week of 06-21, the full week of 06-28, Monday 07-05.
    let weeks = app.get_ok("/api/v1/coins/eth/history?interval=1w").await;
    assert_eq!(
        weeks,
        json!({"symbol": "ETH", "interval": "1w", "candles": [
            candle("2021-06-21", &c[0..2], 2),
            candle("2021-06-28", &c[2..9], 7),
            candle("2021-07-05", &c[9..10], 1),
        ]})
    );

    // Calendar months.
    let months = app.get_ok("/api/v1/coins/eth/history?interval=1M").await;
    assert_eq!(
        months["candles"],
        json!([
            candle("2021-06-01", &c[0..5], 5),
            candle("2021-07-01", &c[5..10], 5)
        ])
    );

    // A range cuts candles: only its days are folded, the candle keeps its period start.
    let cut = app
        .get_ok("/api/v1/coins/eth/history?interval=1w&from=2021-06-30&to=2021-7-3")
        .await;
    assert_eq!(cut["candles"], json!([candle("2021-06-28", &c[4..8], 4)]));

    // Open bounds; a range outside the data is empty, not an error.
    let tail = app
        .get_ok("/api/v1/coins/eth/history?from=2021-07-04")
        .await;
    assert_eq!(tail["candles"].as_array().unwrap().len(), 2);
    let head = app.get_ok("/api/v1/coins/eth/history?to=2021-06-26").await;
    assert_eq!(head["candles"], json!([candle("2021-06-26", &c[0..1], 1)]));
    let none = app
        .get_ok("/api/v1/coins/eth/history?from=2022-01-01&to=2022-02-01")
        .await;
    assert_eq!(none["candles"], json!([]));
}

async fn history_parameters_are_checked(backend: Backend) {
    let app = app_with_fixtures(backend).await;
    let cases = [
        ("interval=1m", "'interval'"),
        ("interval=", "'interval'"),
        ("interval=1h", "'interval'"),
        ("from=2021-02-30", "'from'"),
        ("from=", "'from'"),
        ("to=yesterday", "'to'"),
        ("from=2021-07-02&to=2021-07-01", "'from'"),
        ("from=2021-01-01&from=2021-02-01", "at most once"),
        // 1990-01-01..2021-01-01 is 11,324 days: too many daily candles.
        ("from=1990-01-01&to=2021-01-01", "10000"),
        // An open bound is closed by the coin's own last day: 1900-01-01..2021-07-05.
        ("from=1900-01-01", "10000"),
        ("from=1000-01-01&to=2021-01-01&interval=1w", "10000"),
    ];
    for (query, named) in cases {
        let message = app
            .get_error(&format!("/api/v1/coins/eth/history?{query}"), 400)
            .await;
        assert!(message.contains(named), "{query}: {message}");
    }
    // The same range is fine in weeks; an exactly 10,000-day range is allowed.
    app.get_ok("/api/v1/coins/eth/history?from=1990-01-01&to=2021-01-01&interval=1w")
        .await;
    app.get_ok("/api/v1/coins/eth/history?from=1994-02-17&to=2021-07-04")
        .await;
    app.get_error(
        "/api/v1/coins/eth/history?from=1994-02-16&to=2021-07-04",
        400,
    )
    .await;
    // Unknown parameters are ignored.
    app.get_ok("/api/v1/coins/eth/history?foo=bar").await;
}
