//! `/api/v1` on the real Kaggle data set (../shared/data/kaggle-crypto), every expected
//! value computed here from the CSV files with the `csv` crate, not by the code under test.
//! One import per store feeds every check.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Days, NaiveDate};
use serde_json::{json, Value};

use crate::helpers::{real_data_dir, spawn_app, Backend, TestApp};
use crate::on_both_stores;

on_both_stores!(v1_answers_match_the_real_csv_files);

/// One CSV row, as the test reads it.
#[derive(Debug, Clone)]
struct Row {
    name: String,
    symbol: String,
    date: NaiveDate,
    high: f64,
    low: f64,
    open: f64,
    close: f64,
    volume: f64,
    market_cap: f64,
}

/// Reads a Kaggle coin file by header name; dates are the first 10 characters.
fn read_coin(path: &Path) -> Vec<Row> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (name, symbol, date) = (col("Name"), col("Symbol"), col("Date"));
    let (high, low, open, close) = (col("High"), col("Low"), col("Open"), col("Close"));
    let (volume, market_cap) = (col("Volume"), col("Marketcap"));
    let mut rows: Vec<Row> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let num = |i: usize| r[i].parse::<f64>().unwrap();
            Row {
                name: r[name].to_owned(),
                symbol: r[symbol].to_owned(),
                date: NaiveDate::parse_from_str(&r[date][..10], "%Y-%m-%d").unwrap(),
                high: num(high),
                low: num(low),
                open: num(open),
                close: num(close),
                volume: num(volume),
                market_cap: num(market_cap),
            }
        })
        .collect();
    rows.sort_by_key(|r| r.date);
    rows
}

fn coin(file: &str) -> Vec<Row> {
    read_coin(&real_data_dir().join(file))
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn v1_answers_match_the_real_csv_files(backend: Backend) {
    let app = spawn_app(backend).await;
    app.import_real_data().await;
    coins_list(&app).await;
    bitcoin_detail_and_weekly_candle(&app).await;
    bitcoin_markets_row(&app).await;
    btc_eth_stats_over_2020(&app).await;
    search(&app).await;
}

async fn coins_list(app: &TestApp) {
    let mut expected: Vec<Value> = std::fs::read_dir(real_data_dir())
        .unwrap()
        .map(|entry| read_coin(&entry.unwrap().path()))
        .map(|rows| {
            json!({
                "id": coingecko_id(&rows[0].name),
                "symbol": rows[0].symbol, "name": rows[0].name,
                "first_date": rows[0].date.to_string(),
                "last_date": rows[rows.len() - 1].date.to_string(),
                "days": rows.len(),
            })
        })
        .collect();
    expected.sort_by(|a, b| a["symbol"].as_str().cmp(&b["symbol"].as_str()));
    assert_eq!(expected.len(), 23);
    assert_eq!(app.get_ok("/api/v1/coins").await, Value::Array(expected));
}

async fn bitcoin_detail_and_weekly_candle(app: &TestApp) {
    let btc = coin("coin_Bitcoin.csv");
    let latest = btc.last().unwrap();
    let ath = btc
        .iter()
        .fold(&btc[0], |best, r| if r.high > best.high { r } else { best });
    let atl = btc
        .iter()
        .fold(&btc[0], |best, r| if r.low < best.low { r } else { best });
    let detail = app.get_ok("/api/v1/coins/btc").await;
    assert_eq!(detail["days"], 2991);
    assert_eq!(detail["last_date"], "2021-07-06");
    assert_eq!(
        detail["latest"],
        json!({"date": "2021-07-06", "open": latest.open, "high": latest.high, "low": latest.low,
               "close": latest.close, "volume": latest.volume, "market_cap": latest.market_cap})
    );
    assert_eq!(
        detail["ath"],
        json!({"price": ath.high, "date": ath.date.to_string()})
    );
    assert_eq!(detail["ath"]["date"], "2021-04-14");
    assert_eq!(
        detail["atl"],
        json!({"price": atl.low, "date": atl.date.to_string()})
    );

    // The ISO week of Monday 2021-06-28, folded here from the CSV rows.
    let week: Vec<&Row> = btc
        .iter()
        .filter(|r| r.date >= day("2021-06-28") && r.date <= day("2021-07-04"))
        .collect();
    assert_eq!(week.len(), 7);
    let expected = json!({
        "date": "2021-06-28",
        "open": week[0].open,
        "high": week.iter().map(|r| r.high).fold(f64::MIN, f64::max),
        "low": week.iter().map(|r| r.low).fold(f64::MAX, f64::min),
        "close": week[6].close,
        "volume": week.iter().map(|r| r.volume).sum::<f64>(),
        "market_cap": week[6].market_cap,
        "days": 7,
    });
    let history = app
        .get_ok("/api/v1/coins/BTC/history?interval=1w&from=2021-06-01&to=2021-07-06")
        .await;
    let candles = history["candles"].as_array().unwrap();
    let candle = candles.iter().find(|c| c["date"] == "2021-06-28").unwrap();
    assert_eq!(candle, &expected);
    // The week of 2021-05-31 starts before `from`: only its June days are folded.
    assert_eq!(candles[0]["date"], "2021-05-31");
    assert_eq!(candles[0]["days"], 6);
    assert_eq!(candles.last().unwrap()["date"], "2021-07-05");
    assert_eq!(candles.last().unwrap()["days"], 2);

    // Whole history in months: April 2013 to July 2021, every record in exactly one candle.
    let months = app.get_ok("/api/v1/coins/btc/history?interval=1M").await;
    let months = months["candles"].as_array().unwrap();
    assert_eq!(months.len(), 100);
    let held: u64 = months.iter().map(|c| c["days"].as_u64().unwrap()).sum();
    assert_eq!(held, 2991);
    let june: Vec<&Row> = btc
        .iter()
        .filter(|r| r.date >= day("2021-06-01") && r.date <= day("2021-06-30"))
        .collect();
    let june_candle = months.iter().find(|c| c["date"] == "2021-06-01").unwrap();
    assert_eq!(june_candle["open"], json!(june[0].open));
    assert_eq!(june_candle["close"], json!(june[june.len() - 1].close));
    assert_eq!(june_candle["days"], 30);
}

async fn bitcoin_markets_row(app: &TestApp) {
    let btc = coin("coin_Bitcoin.csv");
    let by_date: BTreeMap<NaiveDate, &Row> = btc.iter().map(|r| (r.date, r)).collect();
    let page = app
        .get_ok("/api/v1/markets?date=2021-07-06&ids=btc,eth")
        .await;
    let row = &page["data"][0];
    assert_eq!(row["symbol"], "BTC");
    assert_eq!(row["rank"], 1);
    assert_eq!(page["data"][1]["rank"], 2);
    // The all-time high up to 2021-07-06: 64863.10 on 2021-04-14, the stored value exactly.
    let ath = by_date[&day("2021-04-14")].high;
    assert_eq!(ath, 64863.0989077);
    assert_eq!(row["ath"], json!(ath));
    assert_eq!(row["ath_date"], "2021-04-14");
    assert_eq!(format!("{:.2}", row["ath"].as_f64().unwrap()), "64863.10");
    let today = by_date[&day("2021-07-06")];
    let change = |now: f64, then: f64| (now - then) / then * 100.0;
    assert_eq!(row["price"], json!(today.close));
    assert_eq!(row["drawdown"], json!(change(today.close, ath)));
    for (field, back) in [
        ("change_1d", 1),
        ("change_7d", 7),
        ("change_30d", 30),
        ("change_90d", 90),
        ("change_365d", 365),
    ] {
        let then = by_date[&(today.date - Days::new(back))].close;
        assert_eq!(row[field], json!(change(today.close, then)), "{field}");
    }
    // Rank counts coins with a market cap > 0 that day, largest first.
    let all = app
        .get_ok("/api/v1/markets?date=2021-07-06&per_page=250")
        .await;
    let mut caps: Vec<(f64, String)> = std::fs::read_dir(real_data_dir())
        .unwrap()
        .filter_map(|e| {
            let rows = read_coin(&e.unwrap().path());
            let r = rows.iter().find(|r| r.date == day("2021-07-06"))?;
            Some((r.market_cap, r.symbol.clone()))
        })
        .filter(|(cap, _)| *cap > 0.0)
        .collect();
    caps.sort_by(|a, b| b.0.total_cmp(&a.0));
    let ranked: Vec<(u64, String)> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["rank"].is_null())
        .map(|r| {
            (
                r["rank"].as_u64().unwrap(),
                r["symbol"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(u64, String)> = caps
        .into_iter()
        .enumerate()
        .map(|(i, (_, s))| (i as u64 + 1, s))
        .collect();
    assert_eq!(ranked, expected);
}

async fn btc_eth_stats_over_2020(app: &TestApp) {
    // Daily log returns within 2020, on consecutive days present in the file.
    let returns = |file: &str| -> BTreeMap<NaiveDate, f64> {
        let rows: Vec<Row> = coin(file)
            .into_iter()
            .filter(|r| r.date >= day("2020-01-01") && r.date <= day("2020-12-31"))
            .collect();
        rows.windows(2)
            .filter(|w| w[0].date + Days::new(1) == w[1].date)
            .map(|w| (w[1].date, (w[1].close / w[0].close).ln()))
            .collect()
    };
    let (btc, eth) = (returns("coin_Bitcoin.csv"), returns("coin_Ethereum.csv"));
    let shared: Vec<NaiveDate> = btc
        .keys()
        .filter(|d| eth.contains_key(d))
        .copied()
        .collect();
    assert_eq!(shared.len(), 365);
    let x: Vec<f64> = shared.iter().map(|d| btc[d]).collect();
    let y: Vec<f64> = shared.iter().map(|d| eth[d]).collect();
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(&y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
    let syy: f64 = y.iter().map(|b| (b - my) * (b - my)).sum();
    let r = sxy / (sxx * syy).sqrt();
    let btc_volatility = (sxx / (n - 1.0)).sqrt() * 365f64.sqrt() * 100.0;

    let report = app
        .get_ok("/api/v1/stats?ids=BTC,eth&from=2020-01-01&to=2020-12-31")
        .await;
    let corr = &report["correlation"];
    assert_eq!(corr["symbols"], json!(["BTC", "ETH"]));
    assert_eq!(corr["days"], 365);
    let served = corr["matrix"][0][1].as_f64().unwrap();
    assert!((served - r).abs() < 1e-12, "{served} vs {r}");
    assert!(
        r > 0.5 && r < 1.0,
        "BTC and ETH moved together in 2020: {r}"
    );
    let btc_stats = &report["coins"][0];
    let served = btc_stats["volatility"].as_f64().unwrap();
    assert!(
        (served - btc_volatility).abs() < 1e-9,
        "{served} vs {btc_volatility}"
    );
    let closes: Vec<f64> = coin("coin_Bitcoin.csv")
        .iter()
        .filter(|r| r.date.format("%Y").to_string() == "2020")
        .map(|r| r.close)
        .collect();
    let total = (closes[closes.len() - 1] - closes[0]) / closes[0] * 100.0;
    assert_eq!(btc_stats["total_return"], json!(total));
    assert_eq!(btc_stats["days"], 366);
    assert_eq!(btc_stats["returns"], 365);
}

async fn search(app: &TestApp) {
    let found = app.get_ok("/api/v1/search?q=bitcoin").await;
    assert_eq!(
        found["results"],
        json!([
            {"symbol": "BTC", "name": "Bitcoin", "match": "exact"},
            {"symbol": "WBTC", "name": "Wrapped Bitcoin", "match": "substring"},
            // "bitcoin" -> "litecoin": substitute b/l, insert e.
            {"symbol": "LTC", "name": "Litecoin", "match": "fuzzy"},
        ])
    );
    let typo = app.get_ok("/api/v1/search?q=etherum").await;
    assert_eq!(
        typo["results"][0],
        json!({"symbol": "ETH", "name": "Ethereum", "match": "fuzzy"})
    );
}

/// The real CoinGecko id of each coin of the data set (shared/COINGECKO.md).
fn coingecko_id(name: &str) -> &'static str {
    match name {
        "Bitcoin" => "bitcoin",
        "Ethereum" => "ethereum",
        "Tether" => "tether",
        "USD Coin" => "usd-coin",
        "Binance Coin" => "binancecoin",
        "Cardano" => "cardano",
        "XRP" => "ripple",
        "Dogecoin" => "dogecoin",
        "Polkadot" => "polkadot",
        "Uniswap" => "uniswap",
        "Solana" => "solana",
        "Litecoin" => "litecoin",
        "Chainlink" => "chainlink",
        "Wrapped Bitcoin" => "wrapped-bitcoin",
        "Stellar" => "stellar",
        "TRON" => "tron",
        "EOS" => "eos",
        "Monero" => "monero",
        "Crypto.com Coin" => "crypto-com-chain",
        "Aave" => "aave",
        "Cosmos" => "cosmos",
        "IOTA" => "iota",
        "NEM" => "nem",
        other => panic!("{other} is not a coin of the Kaggle data set"),
    }
}
