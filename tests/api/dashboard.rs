//! `/dashboard` against fixtures the tests write, on both stores.

use serde_json::{json, Value};

use crate::helpers::{fixtures::coin_file, spawn_app, Backend, TestApp};
use crate::on_both_stores;

on_both_stores!(
    values_changes_and_the_latest_day_by_default,
    ids_any_case_trimmed_deduplicated_and_by_name,
    a_young_coin_a_gap_and_a_zero_reference,
    dates_with_or_without_padding,
    every_sort_key_both_ways_with_nulls_last,
    refusals_name_the_parameter,
    unknown_ids_and_days_without_data_are_404,
    an_empty_database_answers_204,
);

/// Alpha: 2021-06-01..2021-07-06, close = 100 + day index (so 130 on 07-01, 135 on 07-06).
/// Bravo: listed 2021-06-26 (10 days before 07-06), constant close 2.
/// Zero: close 0 until 07-04, then 5 on 07-05 and 07-06: its 24h reference is 5, 7d is 0.
async fn app_with_fixtures(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    let alpha: Vec<f64> = (0..36).map(|i| 100.0 + i as f64).collect();
    let mut zero = vec![0.0; 34];
    zero.extend([5.0, 5.0]);
    app.import_files(&[
        ("alpha.csv", coin_file("Alpha", "ALP", "2021-06-01", &alpha)),
        (
            "bravo.csv",
            coin_file("Bravo", "BRV", "2021-06-26", &[2.0; 11]),
        ),
        (
            "zero.csv",
            coin_file("Zero Coin", "ZRO", "2021-06-01", &zero),
        ),
    ])
    .await
    .expect("fixtures import");
    app
}

fn symbols(body: &Value) -> Vec<&str> {
    body.as_array()
        .expect("an array")
        .iter()
        .map(|row| row["symbol"].as_str().unwrap())
        .collect()
}

fn pct(now: f64, then: f64) -> f64 {
    (now - then) / then * 100.0
}

async fn values_changes_and_the_latest_day_by_default(backend: Backend) {
    let app = app_with_fixtures(backend).await;
    let body = app.get_ok("/dashboard?id=alp").await;
    assert_eq!(
        body,
        json!([{
            "crypto": "Alpha", "symbol": "ALP", "price": 135.0,
            "24h": pct(135.0, 134.0), "7d": pct(135.0, 128.0), "1m": pct(135.0, 105.0),
            "24h-volume": 135000.0, "market-cap": 13500.0,
        }])
    );
    let on_day = app.get_ok("/dashboard?id=alp&date=2021-07-01").await;
    assert_eq!(on_day[0]["price"], 130.0);
    assert_eq!(on_day[0]["1m"], pct(130.0, 100.0));
}

async fn ids_any_case_trimmed_deduplicated_and_by_name(backend: Backend) {
    let app = app_with_fixtures(backend).await;
    let body = app
        .get_ok("/dashboard?id=%20alp%20,BRV,Alp,bravo&order_by=symbol&order_type=asc")
        .await;
    assert_eq!(symbols(&body), ["ALP", "BRV"]);
    let body = app.get_ok("/dashboard?id=zero%20coin").await;
    assert_eq!(symbols(&body), ["ZRO"]);
    let body = app.get_ok("/dashboard?id=ALL").await;
    assert_eq!(body.as_array().unwrap().len(), 3);
}

async fn a_young_coin_a_gap_and_a_zero_reference(backend: Backend) {
    let app = app_with_fixtures(backend).await;
    let body = app
        .get_ok("/dashboard?id=brv,zro&order_by=symbol&order_type=asc")
        .await;
    // Bravo: listed 10 days before, so 24h and 7d but a null 1m.
    assert_eq!(body[0]["24h"], 0.0);
    assert_eq!(body[0]["7d"], 0.0);
    assert_eq!(body[0]["1m"], Value::Null);
    // Zero Coin: 24h against 5, 7d and 1m against 0 -> null.
    assert_eq!(body[1]["24h"], 0.0);
    assert_eq!(body[1]["7d"], Value::Null);
    assert_eq!(body[1]["1m"], Value::Null);
    assert_eq!(body[1]["market-cap"], 500.0);

    // A gap: Gappy misses 2021-07-05, so its 24h on 07-06 compares with 07-04.
    let app = spawn_app(backend).await;
    let mut file = coin_file("Gappy", "GAP", "2021-07-03", &[10.0, 20.0]);
    file.push_str(&crate::helpers::fixtures::row(
        3,
        "Gappy",
        "GAP",
        chrono::NaiveDate::from_ymd_opt(2021, 7, 6).unwrap(),
        30.0,
        1.0,
    ));
    app.import_files(&[("gap.csv", file)]).await.unwrap();
    let body = app.get_ok("/dashboard?id=gap&date=2021-07-06").await;
    assert_eq!(body[0]["24h"], 50.0);
    let message = app
        .get_error("/dashboard?id=gap&date=2021-07-05", 404)
        .await;
    assert!(message.contains("2021-07-05"), "{message}");
}

async fn dates_with_or_without_padding(backend: Backend) {
    let app = app_with_fixtures(backend).await;
    let padded = app.get_ok("/dashboard?id=all&date=2021-07-01").await;
    let unpadded = app.get_ok("/dashboard?id=all&date=2021-7-1").await;
    assert_eq!(padded, unpadded);
    assert_eq!(padded.as_array().unwrap().len(), 3);
}

async fn every_sort_key_both_ways_with_nulls_last(backend: Backend) {
    let app = app_with_fixtures(backend).await;
    // On 07-06: price ALP 135 > ZRO 5 > BRV 2; 7d: ALP > 0, BRV 0, ZRO null.
    let cases = [
        ("crypto", "desc", ["ZRO", "BRV", "ALP"]),
        ("crypto", "asc", ["ALP", "BRV", "ZRO"]),
        ("symbol", "desc", ["ZRO", "BRV", "ALP"]),
        ("SYMBOL", "ASC", ["ALP", "BRV", "ZRO"]),
        ("price", "desc", ["ALP", "ZRO", "BRV"]),
        ("price", "asc", ["BRV", "ZRO", "ALP"]),
        ("24h-volume", "desc", ["ALP", "ZRO", "BRV"]),
        ("24h_volume", "asc", ["BRV", "ZRO", "ALP"]),
        ("market-cap", "desc", ["ALP", "ZRO", "BRV"]),
        ("market_cap", "asc", ["BRV", "ZRO", "ALP"]),
        ("7d", "desc", ["ALP", "BRV", "ZRO"]),
        ("7d", "asc", ["BRV", "ALP", "ZRO"]),
        ("1m", "desc", ["ALP", "BRV", "ZRO"]),
        ("1m", "asc", ["ALP", "BRV", "ZRO"]),
        // 24h: ALP > 0; BRV and ZRO tie at 0 -> by name (Bravo before Zero Coin).
        ("24h", "desc", ["ALP", "BRV", "ZRO"]),
        ("24h", "asc", ["BRV", "ZRO", "ALP"]),
    ];
    for (order_by, order_type, expected) in cases {
        let body = app
            .get_ok(&format!(
                "/dashboard?id=all&order_by={order_by}&order_type={order_type}"
            ))
            .await;
        assert_eq!(
            symbols(&body),
            expected,
            "order_by={order_by}&order_type={order_type}"
        );
    }
    // Defaults: order_by=crypto, order_type=desc.
    let body = app.get_ok("/dashboard?id=all").await;
    assert_eq!(symbols(&body), ["ZRO", "BRV", "ALP"]);
}

async fn refusals_name_the_parameter(backend: Backend) {
    let app = app_with_fixtures(backend).await;
    let cases = [
        ("/dashboard", "'id'"),
        ("/dashboard?id=", "'id'"),
        ("/dashboard?id=%20,%20", "'id'"),
        ("/dashboard?id=all&date=2021-02-30", "'date'"),
        ("/dashboard?id=all&date=2021-13-01", "'date'"),
        ("/dashboard?id=all&date=20210706", "'date'"),
        ("/dashboard?id=all&date=", "'date'"),
        ("/dashboard?id=all&order_by=volume", "'order_by'"),
        ("/dashboard?id=all&order_type=sideways", "'order_type'"),
    ];
    for (url, parameter) in cases {
        let message = app.get_error(url, 400).await;
        assert!(message.contains(parameter), "{url}: {message}");
    }
    // Unknown parameters are ignored.
    app.get_ok("/dashboard?id=alp&currency=usd").await;
}

async fn unknown_ids_and_days_without_data_are_404(backend: Backend) {
    let app = app_with_fixtures(backend).await;
    let message = app.get_error("/dashboard?id=alp,doge,xyz", 404).await;
    assert!(
        message.contains("'doge'") && message.contains("'xyz'"),
        "{message}"
    );
    let message = app
        .get_error("/dashboard?id=all&date=2030-01-01", 404)
        .await;
    assert!(message.contains("2021-06-01 to 2021-07-06"), "{message}");
    // Bravo has no record on 2021-06-01 although the data covers that day.
    let message = app
        .get_error("/dashboard?id=brv&date=2021-06-01", 404)
        .await;
    assert!(message.contains("2021-06-01"), "{message}");
}

async fn an_empty_database_answers_204(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/dashboard?id=all").await;
    assert_eq!(response.status().as_u16(), 204);
    assert!(response.bytes().await.unwrap().is_empty());
    // Parameters are still checked first.
    app.get_error("/dashboard", 400).await;
}

#[tokio::test]
async fn an_unreachable_database_is_a_503_that_leaks_nothing() {
    let app = app_with_fixtures(Backend::Postgres).await;
    app.get_ok("/dashboard?id=all").await;
    // Take the database away under the running server.
    let admin = crate::helpers::postgres_admin_url();
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap();
    let name = app.db.url.rsplit('/').next().unwrap().to_owned();
    sqlx::query(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)
        .await
        .unwrap();
    // A query not answered before (a cached answer may still be served, rightly).
    let message = app.get_error("/dashboard?id=alp&order_by=price", 503).await;
    assert!(message.contains("database cannot be reached"), "{message}");
    for internal in ["sqlx", "3D000", "krispyto_test", "postgres"] {
        assert!(!message.contains(internal), "leaks '{internal}': {message}");
    }
    let response = app.get("/readyz").await;
    assert_eq!(response.status().as_u16(), 503);
}

/// Lists of ids are capped (documented): over the cap is a 400 naming the parameter, on
/// every route that takes one, before any database work; at the cap, repeats cost nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn id_lists_over_the_cap_are_400() {
    let app = app_with_fixtures(Backend::Sqlite).await;
    let over = vec!["alp"; 1001].join(",");
    for (path, parameter) in [
        (format!("/dashboard?id={over}"), "'id'"),
        (format!("/api/v1/markets?ids={over}"), "'ids'"),
        (format!("/api/v1/stats?ids={over}"), "'ids'"),
    ] {
        let error = app.get_error(&path, 400).await;
        assert!(error.contains(parameter), "{path}: {error}");
        assert!(error.contains("1000"), "{path}: {error}");
    }
    let at_cap = vec!["alp"; 1000].join(",");
    let rows = app.get_ok(&format!("/dashboard?id={at_cap}")).await;
    assert_eq!(rows.as_array().unwrap().len(), 1);
}
