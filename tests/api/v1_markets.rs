//! `/api/v1/markets` against fixtures the tests write (the real data is checked in
//! `v1_real_data`).

use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::helpers::fixtures::{coin_file, row, HEADER};
use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_stores;

on_both_stores!(
    markets_rank_and_measure_every_coin_of_the_day,
    markets_sort_filter_and_page,
    markets_parameters_are_checked
);

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Alpha (AAA): 371 days 2020-07-01..2021-07-06, close 100 + i on day i.
fn alpha_closes() -> Vec<f64> {
    (0..371).map(|i| 100.0 + f64::from(i)).collect()
}

async fn app_with_fixtures(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    // Zero Cap (ZZZ): two days with a market cap of 0 (the source's "unknown").
    let mut zero = HEADER.to_owned();
    zero.push_str(&row(1, "Zero Cap", "ZZZ", day("2021-07-05"), 2.0, 0.0));
    zero.push_str(&row(2, "Zero Cap", "ZZZ", day("2021-07-06"), 3.0, 0.0));
    let bravo: Vec<f64> = (0..10).map(|i| 1000.0 + f64::from(i)).collect();
    app.import_files(&[
        (
            "alpha.csv",
            coin_file("Alpha", "AAA", "2020-07-01", &alpha_closes()),
        ),
        // Bravo (BBB): 10 days 2021-06-27..07-06, the largest market cap.
        ("bravo.csv", coin_file("Bravo", "BBB", "2021-06-27", &bravo)),
        ("zero.csv", zero),
        // Old (OLD): stops on 2021-07-01, so it is not in the table on 07-06.
        ("old.csv", coin_file("Old", "OLD", "2021-06-01", &[7.0; 31])),
    ])
    .await
    .unwrap();
    app
}

fn change(now: f64, then: f64) -> f64 {
    (now - then) / then * 100.0
}

/// Asserts that the rows of `page` are ordered by `field` (`desc` or not), nulls last, and
/// that the order means something: at least two different values.
fn assert_sorted(page: &Value, field: &str, desc: bool) {
    let rows = page["data"].as_array().unwrap();
    let values: Vec<&Value> = rows.iter().map(|r| &r[field]).collect();
    let present = values.iter().take_while(|v| !v.is_null()).count();
    assert!(
        values[present..].iter().all(|v| v.is_null()),
        "{field}: nulls are not last: {values:?}"
    );
    let ordered = |a: &Value, b: &Value| -> bool {
        let in_order = match (a.as_f64(), b.as_f64()) {
            (Some(a), Some(b)) => {
                if desc {
                    a >= b
                } else {
                    a <= b
                }
            }
            _ => {
                let (a, b) = (
                    a.as_str().unwrap().to_lowercase(),
                    b.as_str().unwrap().to_lowercase(),
                );
                if desc {
                    a >= b
                } else {
                    a <= b
                }
            }
        };
        in_order
    };
    for pair in values[..present].windows(2) {
        assert!(
            ordered(pair[0], pair[1]),
            "order_by={field} {}: {values:?}",
            if desc { "desc" } else { "asc" }
        );
    }
    let distinct: std::collections::BTreeSet<String> =
        values[..present].iter().map(|v| v.to_string()).collect();
    // Two values, or a value and a null: something for the order to get wrong.
    assert!(
        distinct.len() + usize::from(present < values.len()) >= 2,
        "{field}: the fixtures do not tell orders apart: {values:?}"
    );
}

fn symbols(page: &Value) -> Vec<&str> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["symbol"].as_str().unwrap())
        .collect()
}

async fn markets_rank_and_measure_every_coin_of_the_day(backend: Backend) {
    let app = app_with_fixtures(backend).await;
    let page = app.get_ok("/api/v1/markets").await;
    assert_eq!(page["date"], "2021-07-06", "default: the latest day");
    assert_eq!(
        (
            page["total"].clone(),
            page["page"].clone(),
            page["per_page"].clone()
        ),
        (json!(3), json!(1), json!(100))
    );
    assert_eq!(
        symbols(&page),
        ["BBB", "AAA", "ZZZ"],
        "default: market cap, descending"
    );

    let closes = alpha_closes();
    let close_on = |d: &str| closes[(day(d) - day("2020-07-01")).num_days() as usize];
    let now = close_on("2021-07-06");
    let ath = now * 1.1;
    let expected_alpha = json!({
        "rank": 2, "symbol": "AAA", "name": "Alpha",
        "price": now, "open": now, "high": now * 1.1, "low": now * 0.9,
        "volume": now * 1000.0, "market_cap": now * 100.0,
        "change_1d": change(now, close_on("2021-07-05")),
        "change_7d": change(now, close_on("2021-06-29")),
        "change_30d": change(now, close_on("2021-06-06")),
        "change_90d": change(now, close_on("2021-04-07")),
        "change_365d": change(now, close_on("2020-07-06")),
        "ath": ath, "ath_date": "2021-07-06", "drawdown": change(now, ath),
    });
    assert_eq!(page["data"][1], expected_alpha);

    let bravo = &page["data"][0];
    assert_eq!(bravo["rank"], 1);
    assert_eq!(bravo["change_7d"], json!(change(1009.0, 1002.0)));
    assert_eq!(bravo["change_30d"], Value::Null, "listed 9 days before");
    assert_eq!(bravo["change_365d"], Value::Null);

    let zero = &page["data"][2];
    assert_eq!(zero["rank"], Value::Null, "a market cap of 0 is not ranked");
    assert_eq!(zero["change_1d"], json!(50.0));

    // An earlier day: the all-time high is the one up to that day, not the latest.
    let earlier = app.get_ok("/api/v1/markets?date=2021-1-1&ids=aaa").await;
    let then = close_on("2021-01-01");
    assert_eq!(earlier["date"], "2021-01-01");
    assert_eq!(earlier["data"][0]["ath"], json!(then * 1.1));
    assert_eq!(earlier["data"][0]["ath_date"], "2021-01-01");
    assert_eq!(
        earlier["data"][0]["change_365d"],
        Value::Null,
        "not a year old yet"
    );
    assert_eq!(
        earlier["data"][0]["rank"], 1,
        "the only coin of the day with a cap"
    );

    // A day with a drawdown: Old on 2021-07-01 has closes 7 and high 7.7 every day.
    let old = app.get_ok("/api/v1/markets?date=2021-07-01&ids=OLD").await;
    assert_eq!(old["data"][0]["ath"], json!(7.0 * 1.1));
    assert_eq!(
        old["data"][0]["ath_date"], "2021-06-01",
        "the earliest day of a tied high"
    );
    assert_eq!(old["data"][0]["drawdown"], json!(change(7.0, 7.0 * 1.1)));
}

async fn markets_sort_filter_and_page(backend: Backend) {
    let app = app_with_fixtures(backend).await;
    let order = |query: &'static str| {
        let app = &app;
        async move { symbols(&app.get_ok(&format!("/api/v1/markets?{query}")).await).join(",") }
    };
    // Nulls last both ways; ties by name.
    assert_eq!(order("order_by=change_30d").await, "AAA,BBB,ZZZ");
    assert_eq!(
        order("order_by=change_30d&order_type=asc").await,
        "AAA,BBB,ZZZ"
    );
    assert_eq!(order("order_by=rank&order_type=asc").await, "BBB,AAA,ZZZ");
    assert_eq!(order("order_by=rank&order_type=desc").await, "AAA,BBB,ZZZ");
    assert_eq!(order("order_by=NAME&order_type=ASC").await, "AAA,BBB,ZZZ");
    assert_eq!(order("order_by=name").await, "ZZZ,BBB,AAA");
    assert_eq!(order("order_by=price&order_type=asc").await, "ZZZ,AAA,BBB");
    assert_eq!(order("order_by=change_1d").await, "ZZZ,AAA,BBB");
    for field in [
        "open",
        "high",
        "low",
        "volume",
        "market_cap",
        "change_7d",
        "change_90d",
        "change_365d",
        "ath",
        "drawdown",
        "symbol",
    ] {
        for direction in ["desc", "asc"] {
            let page = app
                .get_ok(&format!(
                    "/api/v1/markets?order_by={field}&order_type={direction}"
                ))
                .await;
            assert_sorted(&page, field, direction == "desc");
        }
    }

    // ids filters the rows but not the ranks.
    let some = app.get_ok("/api/v1/markets?ids=zzz,%20Alpha,aaa").await;
    assert_eq!(some["total"], 2);
    assert_eq!(symbols(&some), ["AAA", "ZZZ"]);
    assert_eq!(some["data"][0]["rank"], 2);

    // Pages.
    let second = app.get_ok("/api/v1/markets?per_page=1&page=2").await;
    assert_eq!(
        (
            second["total"].clone(),
            second["page"].clone(),
            second["per_page"].clone()
        ),
        (json!(3), json!(2), json!(1))
    );
    assert_eq!(symbols(&second), ["AAA"]);
    let last = app.get_ok("/api/v1/markets?per_page=2&page=2").await;
    assert_eq!(symbols(&last), ["ZZZ"]);
    let past = app.get_ok("/api/v1/markets?per_page=2&page=3").await;
    assert_eq!(past["total"], 3);
    assert_eq!(past["data"], json!([]));
    app.get_ok("/api/v1/markets?per_page=250").await;

    // 404s: an unknown coin; a day without any selected coin.
    let message = app.get_error("/api/v1/markets?ids=aaa,nope", 404).await;
    assert!(message.contains("'nope'"), "{message}");
    let message = app.get_error("/api/v1/markets?date=2019-01-01", 404).await;
    assert!(
        message.contains("2019-01-01") && message.contains("2020-07-01"),
        "{message}"
    );
    let message = app
        .get_error("/api/v1/markets?date=2021-07-06&ids=old", 404)
        .await;
    assert!(message.contains("2021-07-06"), "{message}");
}

async fn markets_parameters_are_checked(backend: Backend) {
    let app = app_with_fixtures(backend).await;
    let cases = [
        ("date=2021-02-30", "'date'"),
        ("date=", "'date'"),
        ("date=06/07/2021", "'date'"),
        ("ids=", "'ids'"),
        ("ids=,,", "'ids'"),
        ("order_by=ath_date", "'order_by'"),
        ("order_by=", "'order_by'"),
        ("order_type=up", "'order_type'"),
        ("page=0", "'page'"),
        ("page=-1", "'page'"),
        ("page=x", "'page'"),
        ("per_page=251", "'per_page'"),
        ("per_page=0", "'per_page'"),
        ("per_page=1.5", "'per_page'"),
        ("page=1&page=2", "at most once"),
    ];
    for (query, named) in cases {
        let message = app
            .get_error(&format!("/api/v1/markets?{query}"), 400)
            .await;
        assert!(message.contains(named), "{query}: {message}");
    }
    let empty = spawn_app(backend).await;
    let message = empty.get_error("/api/v1/markets", 404).await;
    assert!(message.contains("no prices yet"), "{message}");
}
