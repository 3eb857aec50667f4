//! `/api/v1/stats` against fixtures the tests write, each figure computed here by hand
//! (the BTC/ETH correlation over 2020 on the real data is in `v1_real_data`).

use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::helpers::fixtures::{coin_file, row, HEADER};
use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_stores;

on_both_stores!(
    stats_per_coin_follow_the_documented_conventions,
    correlation_uses_only_days_every_coin_has_a_return,
    stats_parameters_are_checked
);

const AAA: [f64; 5] = [100.0, 110.0, 99.0, 121.0, 88.0];
const CCC: [f64; 5] = [10.0, 12.0, 11.0, 15.0, 14.0];

async fn app_with_fixtures(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    // BBB misses 2021-01-03: it has returns on 01-02 and 01-05 only.
    let mut bbb = HEADER.to_owned();
    for (n, (date, close)) in [
        ("2021-01-01", 10.0),
        ("2021-01-02", 20.0),
        ("2021-01-04", 10.0),
        ("2021-01-05", 15.0),
    ]
    .iter()
    .enumerate()
    {
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        bbb.push_str(&row(n + 1, "Bravo", "BBB", date, *close, close * 100.0));
    }
    app.import_files(&[
        ("aaa.csv", coin_file("Alpha", "AAA", "2021-01-01", &AAA)),
        ("bbb.csv", bbb),
        ("ccc.csv", coin_file("Charlie", "CCC", "2021-01-01", &CCC)),
        // Delta (DDD) starts after the others end.
        (
            "ddd.csv",
            coin_file("Delta", "DDD", "2021-02-01", &[1.0, 2.0]),
        ),
    ])
    .await
    .unwrap();
    app
}

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

fn assert_close(actual: &Value, expected: f64) {
    let a = number(actual);
    assert!(
        (a - expected).abs() <= 1e-12 * expected.abs().max(1.0),
        "{a} != {expected}"
    );
}

/// Sample standard deviation, annualized over 365 days, in percent.
fn volatility(logs: &[f64]) -> f64 {
    let n = logs.len() as f64;
    let mean = logs.iter().sum::<f64>() / n;
    let var = logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (n - 1.0);
    var.sqrt() * 365f64.sqrt() * 100.0
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

fn log_returns(closes: &[f64]) -> Vec<f64> {
    closes.windows(2).map(|w| (w[1] / w[0]).ln()).collect()
}

async fn stats_per_coin_follow_the_documented_conventions(backend: Backend) {
    let app = app_with_fixtures(backend).await;
    let report = app.get_ok("/api/v1/stats?ids=aaa").await;
    assert_eq!(
        (report["from"].clone(), report["to"].clone()),
        (json!("2021-01-01"), json!("2021-01-05"))
    );
    let a = &report["coins"][0];
    assert_eq!(
        (a["symbol"].clone(), a["name"].clone()),
        (json!("AAA"), json!("Alpha"))
    );
    assert_eq!(
        (a["days"].clone(), a["returns"].clone()),
        (json!(5), json!(4))
    );
    assert_eq!(
        (a["first_date"].clone(), a["last_date"].clone()),
        (json!("2021-01-01"), json!("2021-01-05"))
    );
    assert_close(&a["total_return"], -12.0);
    assert_close(&a["volatility"], volatility(&log_returns(&AAA)));
    // 99 -> 121 is the best day; 121 -> 88 the worst, and the largest fall from a peak.
    assert_eq!(a["best_day"]["date"], "2021-01-04");
    assert_close(&a["best_day"]["return"], 22.0 / 99.0 * 100.0);
    assert_eq!(a["worst_day"]["date"], "2021-01-05");
    assert_close(&a["worst_day"]["return"], -33.0 / 121.0 * 100.0);
    assert_eq!(a["max_drawdown"]["peak_date"], "2021-01-04");
    assert_eq!(a["max_drawdown"]["trough_date"], "2021-01-05");
    assert_close(&a["max_drawdown"]["percent"], -33.0 / 121.0 * 100.0);
    assert_eq!(report["correlation"]["symbols"], json!(["AAA"]));
    assert_eq!(report["correlation"]["days"], 4);
    assert_eq!(report["correlation"]["matrix"], json!([[1.0]]));

    // A range: both ends are inside, so 01-02's return (from 01-01) is not counted.
    let part = app
        .get_ok("/api/v1/stats?ids=aaa&from=2021-01-02&to=2021-01-03")
        .await;
    let a = &part["coins"][0];
    assert_eq!(
        (a["days"].clone(), a["returns"].clone()),
        (json!(2), json!(1))
    );
    assert_close(&a["total_return"], -10.0);
    assert_eq!(
        a["volatility"],
        Value::Null,
        "one return has no sample deviation"
    );
    assert_eq!(a["best_day"], a["worst_day"]);
    assert_eq!(a["max_drawdown"]["peak_date"], "2021-01-02");

    // The range is echoed as asked, even beyond the data.
    let wide = app
        .get_ok("/api/v1/stats?ids=aaa&from=2020-12-01&to=2021-2-1")
        .await;
    assert_eq!(
        (wide["from"].clone(), wide["to"].clone()),
        (json!("2020-12-01"), json!("2021-02-01"))
    );
    assert_eq!(wide["coins"][0]["days"], 5);
}

async fn correlation_uses_only_days_every_coin_has_a_return(backend: Backend) {
    let app = app_with_fixtures(backend).await;
    let pair = app.get_ok("/api/v1/stats?ids=AAA,Charlie").await;
    let corr = &pair["correlation"];
    assert_eq!(corr["symbols"], json!(["AAA", "CCC"]));
    assert_eq!(corr["days"], 4);
    let r = pearson(&log_returns(&AAA), &log_returns(&CCC));
    assert_close(&corr["matrix"][0][1], r);
    assert_eq!(corr["matrix"][0][1], corr["matrix"][1][0]);
    assert_eq!(
        (corr["matrix"][0][0].clone(), corr["matrix"][1][1].clone()),
        (json!(1.0), json!(1.0))
    );

    // BBB misses 01-03, so it has no return on 01-03 nor 01-04: the three coins share
    // 01-02 and 01-05 only, and BBB's own statistics skip the gap.
    let three = app.get_ok("/api/v1/stats?ids=aaa,ccc,bbb").await;
    assert_eq!(
        three["correlation"]["symbols"],
        json!(["AAA", "CCC", "BBB"])
    );
    assert_eq!(three["correlation"]["days"], 2);
    let b = &three["coins"][2];
    assert_eq!(
        (b["days"].clone(), b["returns"].clone()),
        (json!(4), json!(2))
    );
    assert_eq!(b["best_day"]["date"], "2021-01-02");
    assert_close(&b["best_day"]["return"], 100.0);
    assert_eq!(b["worst_day"]["date"], "2021-01-05");
    assert_close(&b["worst_day"]["return"], 50.0);
    assert_close(&b["volatility"], volatility(&[2f64.ln(), 1.5f64.ln()]));
    assert_close(&b["max_drawdown"]["percent"], -50.0);
    // On two shared days any two varying series correlate at exactly +-1.
    let on_shared =
        |closes: &[f64]| vec![(closes[1] / closes[0]).ln(), (closes[4] / closes[3]).ln()];
    let expected = pearson(&on_shared(&AAA), &[2f64.ln(), 1.5f64.ln()]);
    assert_close(&three["correlation"]["matrix"][0][2], expected);
    assert_close(
        &three["correlation"]["matrix"][0][1],
        pearson(&on_shared(&AAA), &on_shared(&CCC)),
    );

    // A coin without records in the range is reported empty, and no day is shared.
    let apart = app.get_ok("/api/v1/stats?ids=aaa,ddd&to=2021-01-31").await;
    assert_eq!(apart["to"], "2021-01-31");
    assert_eq!(
        apart["coins"][1],
        json!({"symbol": "DDD", "name": "Delta", "first_date": null, "last_date": null,
               "days": 0, "returns": 0, "total_return": null, "volatility": null,
               "max_drawdown": null, "best_day": null, "worst_day": null})
    );
    assert_eq!(apart["correlation"]["days"], 0);
    assert_eq!(
        apart["correlation"]["matrix"],
        json!([[null, null], [null, null]])
    );

    // `all` compares every coin, in id order.
    let all = app.get_ok("/api/v1/stats?ids=all").await;
    assert_eq!(all["coins"].as_array().unwrap().len(), 4);
}

async fn stats_parameters_are_checked(backend: Backend) {
    let app = app_with_fixtures(backend).await;
    let many: Vec<String> = (0..51).map(|i| format!("C{i}")).collect();
    let too_many = format!("ids={}", many.join(","));
    let cases = [
        ("", "'ids'"),
        ("ids=", "'ids'"),
        ("ids=,", "'ids'"),
        (too_many.as_str(), "at most 50"),
        ("ids=aaa&from=2021-13-01", "'from'"),
        ("ids=aaa&to=", "'to'"),
        ("ids=aaa&from=2021-01-05&to=2021-01-01", "'from'"),
        ("ids=aaa&ids=ccc", "at most once"),
    ];
    for (query, named) in cases {
        let message = app.get_error(&format!("/api/v1/stats?{query}"), 400).await;
        assert!(message.contains(named), "{query}: {message}");
    }
    let message = app.get_error("/api/v1/stats?ids=aaa,nope", 404).await;
    assert!(message.contains("'nope'"), "{message}");
    let message = app
        .get_error("/api/v1/stats?ids=aaa,ccc&from=2022-01-01", 404)
        .await;
    assert!(message.contains("2021-01-01 to 2021-02-02"), "{message}");
}
