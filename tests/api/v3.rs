//! `/api/v3`, the CoinGecko-compatible API (shared/COINGECKO.md): one black-box test per
//! precise rule, on both stores, over small hand-made coins whose every expected value is
//! worked out here. (scripts/coingecko-clients.sh runs the real clients on the real data.)

use chrono::{Days, NaiveDate};
use serde_json::{json, Value};

use crate::helpers::fixtures::{row, HEADER};
use crate::helpers::{spawn_app, spawn_app_with, Backend, TestApp};
use crate::on_both_stores;

on_both_stores!(
    windows_hold_n_plus_one_daily_points_stamped_at_the_next_midnight,
    candles_are_daily_up_to_30_days_and_4_day_blocks_counted_back_from_the_latest_day,
    cross_rates_leave_out_the_days_the_quote_coin_lacks,
    history_is_the_previous_days_record_and_never_a_neighbours,
    markets_rank_by_usd_market_cap_and_compare_with_exact_days,
    all_time_high_and_low_are_the_earliest_extreme_close,
    search_finds_substrings_of_id_name_or_symbol_by_rank,
    bad_input_is_a_400_naming_the_parameter_and_unknown_coins_404,
    coin_ids_are_stored_listed_and_writable,
    paths_answer_with_a_trailing_slash_and_through_the_cache,
    the_real_data_answers_like_coingecko,
);

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// UNIX ms of D+1 00:00 UTC: when record D is observed.
fn ms(d: &str) -> i64 {
    (day(d) + Days::new(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

/// A coin file with one row per (day, close); market cap = close × `cap_factor`; high = 1.1 ×
/// close, low = 0.9 × close, open = close, volume = 1000 × close (fixtures::row).
fn coin(name: &str, symbol: &str, days: &[(&str, f64)], cap_factor: f64) -> String {
    let mut body = HEADER.to_owned();
    for (i, (d, close)) in days.iter().enumerate() {
        body.push_str(&row(
            i + 1,
            name,
            symbol,
            day(d),
            *close,
            close * cap_factor,
        ));
    }
    body
}

/// Consecutive days from `start`, closes as given; `None` leaves the day out.
fn series(start: &str, closes: &[Option<f64>]) -> Vec<(String, f64)> {
    closes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.map(|c| ((day(start) + Days::new(i as u64)).to_string(), c)))
        .collect()
}

fn borrowed(days: &[(String, f64)]) -> Vec<(&str, f64)> {
    days.iter().map(|(d, c)| (d.as_str(), *c)).collect()
}

/// Alpha (ALP): closes 1..=20 on 2021-01-01..20, 2021-01-10 missing, cap = 100 × close.
/// Beta (BET): close 2 every day of 2021-01-01..20 but 2021-01-15, cap = 10 × close.
async fn two_coins(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    let alpha = series(
        "2021-01-01",
        &(1..=20)
            .map(|i| (i != 10).then_some(f64::from(i)))
            .collect::<Vec<_>>(),
    );
    let beta = series(
        "2021-01-01",
        &(1..=20)
            .map(|i| (i != 15).then_some(2.0))
            .collect::<Vec<_>>(),
    );
    app.import_files(&[
        ("a.csv", coin("Alpha", "ALP", &borrowed(&alpha), 100.0)),
        ("b.csv", coin("Beta", "BET", &borrowed(&beta), 10.0)),
    ])
    .await
    .unwrap();
    app
}

fn prices(v: &Value) -> Vec<(i64, f64)> {
    v["prices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_i64().unwrap(), p[1].as_f64().unwrap()))
        .collect()
}

/// The `id`s of an array of coins, in order.
fn ids(coins: &Value) -> Vec<&str> {
    coins
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect()
}

async fn windows_hold_n_plus_one_daily_points_stamped_at_the_next_midnight(backend: Backend) {
    let app = two_coins(backend).await;
    let chart = |q: &'static str| {
        let app = &app;
        async move {
            app.get_ok(&format!(
                "/api/v3/coins/beta/market_chart?vs_currency=usd&{q}"
            ))
            .await
        }
    };
    // Latest day 2021-01-20: now = 2021-01-21 00:00; days=1 → 01-19 and 01-20.
    let one = chart("days=1").await;
    assert_eq!(
        prices(&one),
        [(ms("2021-01-19"), 2.0), (ms("2021-01-20"), 2.0)]
    );
    assert_eq!(one["market_caps"][1], json!([ms("2021-01-20"), 20.0]));
    assert_eq!(one["total_volumes"][1], json!([ms("2021-01-20"), 2000.0]));
    // days=7 → 8 days 01-13..01-20, less the missing 01-15.
    let seven = prices(&chart("days=7").await);
    assert_eq!(seven.len(), 7);
    assert_eq!(seven[0].0, ms("2021-01-13"));
    assert_eq!(prices(&chart("days=max&interval=daily").await).len(), 19);
    // A range includes both ends: [01-03 00:00, 01-06 00:00] holds the closes of 01-02..01-05.
    let range = app
        .get_ok(
            "/api/v3/coins/alpha/market_chart/range?vs_currency=usd&from=2021-01-03&to=2021-01-06",
        )
        .await;
    assert_eq!(
        prices(&range),
        [
            (ms("2021-01-02"), 2.0),
            (ms("2021-01-03"), 3.0),
            (ms("2021-01-04"), 4.0),
            (ms("2021-01-05"), 5.0)
        ]
    );
    // UNIX seconds and YYYY-MM-DDTHH:MM: one second past a midnight misses its point.
    let from = ms("2021-01-01") / 1000 + 1;
    let to = ms("2021-01-04") / 1000;
    let range = app
        .get_ok(&format!(
            "/api/v3/coins/alpha/market_chart/range?vs_currency=usd&from={from}&to={to}"
        ))
        .await;
    assert_eq!(
        prices(&range),
        [
            (ms("2021-01-02"), 2.0),
            (ms("2021-01-03"), 3.0),
            (ms("2021-01-04"), 4.0)
        ]
    );
    let range = app
        .get_ok("/api/v3/coins/alpha/market_chart/range?vs_currency=usd&from=2021-01-03T00:01&to=2021-01-04T23:59")
        .await;
    assert_eq!(prices(&range), [(ms("2021-01-03"), 3.0)]);
}

async fn candles_are_daily_up_to_30_days_and_4_day_blocks_counted_back_from_the_latest_day(
    backend: Backend,
) {
    let app = two_coins(backend).await;
    // days=2: three daily candles 01-18..01-20, each [close ms, open, high, low, close].
    let daily = app
        .get_ok("/api/v3/coins/alpha/ohlc?vs_currency=usd&days=2")
        .await;
    assert_eq!(
        daily,
        json!([
            [ms("2021-01-18"), 18.0, 18.0 * 1.1, 18.0 * 0.9, 18.0],
            [ms("2021-01-19"), 19.0, 19.0 * 1.1, 19.0 * 0.9, 19.0],
            [ms("2021-01-20"), 20.0, 20.0 * 1.1, 20.0 * 0.9, 20.0]
        ])
    );
    // days=31 (> 30): the window is 2020-12-20..01-20; blocks [17..20], [13..16], [09..12]
    // (01-10 missing), [05..08], [01..04]: five candles, the earliest cut at the data's start.
    let four = app
        .get_ok("/api/v3/coins/alpha/ohlc?vs_currency=usd&days=31")
        .await;
    let four = four.as_array().unwrap();
    assert_eq!(four.len(), 5);
    assert_eq!(four[0], json!([ms("2021-01-04"), 1.0, 4.0 * 1.1, 0.9, 4.0]));
    assert_eq!(
        four[2],
        json!([ms("2021-01-12"), 9.0, 12.0 * 1.1, 9.0 * 0.9, 12.0])
    );
    assert_eq!(
        four[4],
        json!([ms("2021-01-20"), 17.0, 20.0 * 1.1, 17.0 * 0.9, 20.0])
    );
    let max = app
        .get_ok("/api/v3/coins/alpha/ohlc?vs_currency=usd&days=max")
        .await;
    assert_eq!(max.as_array().unwrap().len(), 5);
    let daily_max = app
        .get_ok("/api/v3/coins/alpha/ohlc?vs_currency=usd&days=max&interval=daily")
        .await;
    assert_eq!(daily_max.as_array().unwrap().len(), 19);
    // ohlc/range: daily candles whose close instant is in [from, to].
    let range = app
        .get_ok("/api/v3/coins/alpha/ohlc/range?vs_currency=usd&from=2021-01-10&to=2021-01-12&interval=daily")
        .await;
    assert_eq!(
        range,
        json!([
            [ms("2021-01-09"), 9.0, 9.0 * 1.1, 9.0 * 0.9, 9.0],
            [ms("2021-01-11"), 11.0, 11.0 * 1.1, 11.0 * 0.9, 11.0]
        ])
    );
}

async fn cross_rates_leave_out_the_days_the_quote_coin_lacks(backend: Backend) {
    let app = two_coins(backend).await;
    // Alpha in Beta's currency (bet): every amount divided by Beta's close (2) of the same
    // day; Beta has no 01-15, so that point is left out.
    let chart = app
        .get_ok(
            "/api/v3/coins/alpha/market_chart/range?vs_currency=BET&from=2021-01-15&to=2021-01-17",
        )
        .await;
    assert_eq!(
        prices(&chart),
        [(ms("2021-01-14"), 7.0), (ms("2021-01-16"), 8.0)]
    );
    assert_eq!(chart["market_caps"][0], json!([ms("2021-01-14"), 700.0]));
    let candles = app
        .get_ok("/api/v3/coins/alpha/ohlc/range?vs_currency=bet&from=2021-01-15&to=2021-01-17")
        .await;
    assert_eq!(candles.as_array().unwrap().len(), 2);
    // simple/price: 20 / 2 = 10; the 24h change compares 20/2 with 19/2.
    let price = app
        .get_ok("/api/v3/simple/price?ids=alpha&vs_currencies=bet,usd&include_24hr_change=true&include_market_cap=true&include_24hr_vol=true&include_last_updated_at=true")
        .await;
    let alpha = &price["alpha"];
    assert_eq!(alpha["bet"], 10.0);
    assert_eq!(alpha["usd"], 20.0);
    assert_eq!(alpha["bet_market_cap"], 1000.0);
    assert_eq!(alpha["usd_24h_vol"], 20000.0);
    assert!((alpha["bet_24h_change"].as_f64().unwrap() - (10.0 / 9.5 - 1.0) * 100.0).abs() < 1e-9);
    assert_eq!(alpha["last_updated_at"], ms("2021-01-20") / 1000);
    // As of 01-15 (markets?date=), Beta has no record: Alpha's scalars in bet are null.
    let markets = app
        .get_ok("/api/v3/coins/markets?vs_currency=bet&date=2021-01-15&ids=alpha")
        .await;
    assert_eq!(markets[0]["current_price"], Value::Null);
    assert_eq!(markets[0]["market_cap_rank"], 1);
    // The coin object leaves the key out of currency objects: history on 01-16 (record 01-15).
    let history = app
        .get_ok("/api/v3/coins/alpha/history?date=16-01-2021")
        .await;
    assert_eq!(
        history["market_data"]["current_price"],
        json!({"alp": 1.0, "usd": 15.0})
    );
}

async fn history_is_the_previous_days_record_and_never_a_neighbours(backend: Backend) {
    let app = two_coins(backend).await;
    // date D gives record D−1, in both forms; 01-11 asks for the missing 01-10.
    let h = app
        .get_ok("/api/v3/coins/alpha/history?date=12-01-2021")
        .await;
    assert_eq!(h["market_data"]["current_price"]["usd"], 11.0);
    assert_eq!(h["market_data"]["market_cap"]["usd"], 1100.0);
    assert_eq!(h["market_data"]["total_volume"]["usd"], 11000.0);
    assert_eq!(h["market_data"]["current_price"]["bet"], 5.5);
    assert_eq!(
        (h["id"].as_str(), h["symbol"].as_str()),
        (Some("alpha"), Some("alp"))
    );
    let same = app
        .get_ok("/api/v3/coins/alpha/history?date=2021-01-12")
        .await;
    assert_eq!(same, h);
    for date in ["11-01-2021", "2021-01-01", "2020-06-01", "2021-03-01"] {
        let gap = app
            .get_ok(&format!("/api/v3/coins/alpha/history?date={date}"))
            .await;
        assert_eq!(
            gap["market_data"],
            json!({"current_price": {}, "market_cap": {}, "total_volume": {}}),
            "{date}"
        );
    }
    // L+1 gives record L.
    let last = app
        .get_ok("/api/v3/coins/alpha/history?date=21-01-2021")
        .await;
    assert_eq!(last["market_data"]["current_price"]["usd"], 20.0);
    assert_eq!(
        last["public_interest_stats"],
        json!({"alexa_rank": null, "bing_matches": null})
    );
    let no_localization = app
        .get_ok("/api/v3/coins/alpha/history?date=21-01-2021&localization=false")
        .await;
    assert!(no_localization.get("localization").is_none());
    assert_eq!(last["localization"], json!({"en": "Alpha"}));
}

async fn markets_rank_by_usd_market_cap_and_compare_with_exact_days(backend: Backend) {
    let app = two_coins(backend).await;
    let m = app
        .get_ok("/api/v3/coins/markets?vs_currency=bet&price_change_percentage=1h,24h,7d,14d&sparkline=true")
        .await;
    assert_eq!(ids(&m), ["alpha", "beta"]);
    let alpha = &m[0];
    assert_eq!(alpha["market_cap_rank"], 1);
    assert_eq!(m[1]["market_cap_rank"], 2);
    assert_eq!(alpha["symbol"], "alp");
    assert_eq!(alpha["current_price"], 10.0);
    assert_eq!(alpha["high_24h"], 11.0);
    assert_eq!(alpha["low_24h"], 9.0);
    assert_eq!(alpha["market_cap"], 1000.0);
    assert_eq!(alpha["price_change_24h"], 0.5);
    assert_eq!(alpha["price_change_percentage_1h_in_currency"], Value::Null);
    // 7 days back is 01-13 (13/2 = 6.5); 14 days back is 01-06 (3).
    let p7 = alpha["price_change_percentage_7d_in_currency"]
        .as_f64()
        .unwrap();
    assert!((p7 - (10.0 / 6.5 - 1.0) * 100.0).abs() < 1e-9, "{p7}");
    let p14 = alpha["price_change_percentage_14d_in_currency"]
        .as_f64()
        .unwrap();
    assert!((p14 - (10.0 / 3.0 - 1.0) * 100.0).abs() < 1e-9, "{p14}");
    assert!(alpha
        .get("price_change_percentage_30d_in_currency")
        .is_none());
    // The sparkline is the closes of 01-13..01-20 in bet, less 01-15.
    assert_eq!(
        alpha["sparkline_in_7d"]["price"],
        json!([6.5, 7.0, 8.0, 8.5, 9.0, 9.5, 10.0])
    );
    assert_eq!(alpha["last_updated"], "2021-01-21T00:00:00.000Z");
    for unknown in [
        "circulating_supply",
        "total_supply",
        "max_supply",
        "fully_diluted_valuation",
        "roi",
    ] {
        assert_eq!(alpha[unknown], Value::Null, "{unknown}");
    }
    // A change is null when the record exactly N days earlier is missing: 01-11 → 01-10.
    let as_of = app
        .get_ok("/api/v3/coins/markets?vs_currency=usd&date=2021-01-11&ids=alpha")
        .await;
    assert_eq!(as_of[0]["price_change_percentage_24h"], Value::Null);
    assert_eq!(as_of[0]["current_price"], 11.0);
    assert_eq!(as_of[0]["last_updated"], "2021-01-12T00:00:00.000Z");
    // Orders, pages, filters.
    let asc = app
        .get_ok("/api/v3/coins/markets?vs_currency=usd&order=market_cap_asc")
        .await;
    assert_eq!(asc[0]["id"], "beta");
    let page = app
        .get_ok("/api/v3/coins/markets?vs_currency=usd&order=id_desc&per_page=1&page=2")
        .await;
    assert_eq!(
        page,
        json!([app
            .get_ok("/api/v3/coins/markets?vs_currency=usd&ids=alpha")
            .await[0]])
    );
    let by_name = app
        .get_ok("/api/v3/coins/markets?vs_currency=usd&names=BETA&symbols=alp")
        .await;
    assert_eq!(by_name.as_array().unwrap().len(), 1);
    assert_eq!(by_name[0]["id"], "beta");
    // The coin object: plain changes in USD, every currency in the _in_currency objects.
    let coin = app.get_ok("/api/v3/coins/alpha").await;
    let md = &coin["market_data"];
    assert_eq!(
        md["current_price"],
        json!({"alp": 1.0, "bet": 10.0, "usd": 20.0})
    );
    let p24 = md["price_change_percentage_24h"].as_f64().unwrap();
    assert!((p24 - (20.0 / 19.0 - 1.0) * 100.0).abs() < 1e-9, "{p24}");
    assert_eq!(md["price_change_percentage_60d"], Value::Null);
    assert_eq!(md["price_change_percentage_1h_in_currency"], json!({}));
    assert_eq!(md["market_cap_rank"], 1);
    assert_eq!(coin["market_cap_rank"], 1);
    assert_eq!(coin["web_slug"], "alpha");
    assert_eq!(coin["block_time_in_minutes"], 0.0);
    assert_eq!(coin["country_origin"], "");
    assert_eq!(coin["tickers"], json!([]));
    let bare = app
        .get_ok("/api/v3/coins/alpha?market_data=false&tickers=false&localization=false")
        .await;
    assert!(bare.get("market_data").is_none() && bare.get("tickers").is_none());
    assert_eq!(bare["market_cap_rank"], 1);
    let spark = app.get_ok("/api/v3/coins/beta?sparkline=true").await;
    assert_eq!(
        spark["market_data"]["sparkline_7d"]["price"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
}

async fn all_time_high_and_low_are_the_earliest_extreme_close(backend: Backend) {
    let app = spawn_app(backend).await;
    let days = series(
        "2021-03-01",
        &[
            Some(5.0),
            Some(7.0),
            Some(3.0),
            Some(7.0),
            Some(3.0),
            Some(4.0),
        ],
    );
    app.import_files(&[("g.csv", coin("Gamma Coin", "GAM", &borrowed(&days), 1.0))])
        .await
        .unwrap();
    let m = app.get_ok("/api/v3/coins/markets?vs_currency=usd").await;
    let g = &m[0];
    assert_eq!(g["id"], "gamma-coin");
    assert_eq!(
        (g["ath"].as_f64(), g["atl"].as_f64()),
        (Some(7.0), Some(3.0))
    );
    assert_eq!(g["ath_date"], "2021-03-03T00:00:00.000Z");
    assert_eq!(g["atl_date"], "2021-03-04T00:00:00.000Z");
    assert_eq!(
        g["ath_change_percentage"].as_f64().unwrap(),
        (4.0 - 7.0) / 7.0 * 100.0
    );
    // As of an earlier day, only the records up to it count.
    let early = app
        .get_ok("/api/v3/coins/markets?vs_currency=usd&date=2021-03-02")
        .await;
    assert_eq!(early[0]["atl"], 5.0);
    let coin = app.get_ok("/api/v3/coins/gamma-coin").await;
    assert_eq!(coin["market_data"]["ath"], json!({"gam": 1.0, "usd": 7.0}));
    assert_eq!(
        coin["market_data"]["ath_date"]["usd"],
        "2021-03-03T00:00:00.000Z"
    );
}

async fn search_finds_substrings_of_id_name_or_symbol_by_rank(backend: Backend) {
    let app = spawn_app(backend).await;
    let d = [("2021-01-01", 1.0)];
    app.import_files(&[
        ("1.csv", coin("Bitcoin", "BTC", &d, 1000.0)),
        ("2.csv", coin("Wrapped Bitcoin", "WBTC", &d, 10.0)),
        ("3.csv", coin("XRP", "XRP", &d, 100.0)),
    ])
    .await
    .unwrap();
    assert_eq!(
        ids(&app.get_ok("/api/v3/search?query=BIT").await["coins"]),
        ["bitcoin", "wrapped-bitcoin"]
    );
    assert_eq!(
        ids(&app.get_ok("/api/v3/search?query=xrp").await["coins"]),
        ["ripple"]
    );
    assert_eq!(
        ids(&app.get_ok("/api/v3/search?query=ripple").await["coins"]),
        ["ripple"]
    );
    assert_eq!(
        ids(&app.get_ok("/api/v3/search?query=btc").await["coins"]),
        ["bitcoin", "wrapped-bitcoin"]
    );
    let answer = app.get_ok("/api/v3/search?query=wrapped+bit").await;
    assert_eq!(
        answer,
        json!({"coins": [{"id": "wrapped-bitcoin", "name": "Wrapped Bitcoin",
            "api_symbol": "wrapped-bitcoin", "symbol": "WBTC", "market_cap_rank": 3,
            "thumb": "", "large": ""}], "exchanges": [], "icos": [], "categories": [], "nfts": []})
    );
    assert_eq!(
        ids(&app.get_ok("/api/v3/search?query=zzz").await["coins"]),
        Vec::<String>::new()
    );
}

async fn bad_input_is_a_400_naming_the_parameter_and_unknown_coins_404(backend: Backend) {
    let app = two_coins(backend).await;
    let chart = "/api/v3/coins/alpha/market_chart?vs_currency=usd";
    for (query, name) in [
        (format!("{chart}&days=0"), "'days'"),
        (format!("{chart}&days=abc"), "'days'"),
        (format!("{chart}&days=-3"), "'days'"),
        (chart.to_owned(), "'days'"),
        (format!("{chart}&days=1&interval=hourly"), "'interval'"),
        (format!("{chart}&days=1&precision=19"), "'precision'"),
        // Booleans are true or false: an empty value is not one (found by schemathesis).
        (
            "/api/v3/coins/list?include_platform=".to_owned(),
            "'include_platform'",
        ),
        ("/api/v3/coins/alpha?tickers=".to_owned(), "'tickers'"),
        (
            "/api/v3/coins/alpha/market_chart/range?vs_currency=usd&from=2021-01-05&to=2021-01-04"
                .to_owned(),
            "'from'",
        ),
        (
            "/api/v3/coins/alpha/market_chart/range?vs_currency=usd&from=2021-02-30&to=2021-03-04"
                .to_owned(),
            "'from'",
        ),
        (
            "/api/v3/coins/alpha/ohlc/range?vs_currency=usd&from=2021-01-01&to=soon".to_owned(),
            "'to'",
        ),
        (
            "/api/v3/coins/alpha/ohlc?vs_currency=usd&days=1.5".to_owned(),
            "'days'",
        ),
        (
            "/api/v3/coins/alpha/history?date=31-02-2021".to_owned(),
            "'date'",
        ),
        ("/api/v3/coins/alpha/history".to_owned(), "'date'"),
        (
            "/api/v3/coins/markets?vs_currency=usd&order=price_desc".to_owned(),
            "'order'",
        ),
        (
            "/api/v3/coins/markets?vs_currency=usd&per_page=251".to_owned(),
            "'per_page'",
        ),
        (
            "/api/v3/coins/markets?vs_currency=usd&date=2021-13-01".to_owned(),
            "'date'",
        ),
        (
            "/api/v3/coins/markets?vs_currency=usd&price_change_percentage=2d".to_owned(),
            "'price_change_percentage'",
        ),
        ("/api/v3/coins/markets".to_owned(), "'vs_currency'"),
        (
            "/api/v3/coins/alpha?sparkline=maybe".to_owned(),
            "'sparkline'",
        ),
        ("/api/v3/simple/price?vs_currencies=usd".to_owned(), "'ids'"),
        (
            "/api/v3/simple/price?ids=alpha".to_owned(),
            "'vs_currencies'",
        ),
        ("/api/v3/search".to_owned(), "'query'"),
    ] {
        let message = app.get_error(&query, 400).await;
        assert!(message.contains(name), "{query}: {message}");
    }
    // More ids than the documented limit of 1,000.
    let many: Vec<String> = (0..1001).map(|i| format!("c{i}")).collect();
    let message = app
        .get_error(
            &format!(
                "/api/v3/simple/price?vs_currencies=usd&ids={}",
                many.join(",")
            ),
            400,
        )
        .await;
    assert!(
        message.contains("'ids'") && message.contains("1000"),
        "{message}"
    );
    let at_limit: Vec<String> = (0..999)
        .map(|i| format!("c{i}"))
        .chain(["alpha".into()])
        .collect();
    let ok = app
        .get_ok(&format!(
            "/api/v3/simple/price?vs_currencies=usd&ids={}",
            at_limit.join(",")
        ))
        .await;
    assert_eq!(ok, json!({"alpha": {"usd": 20.0}}));
    // CoinGecko's own words for an unknown coin and an unknown currency.
    for path in [
        "/api/v3/coins/nope",
        "/api/v3/coins/nope/history?date=01-01-2021",
        "/api/v3/coins/nope/market_chart?vs_currency=usd&days=1",
        "/api/v3/coins/nope/market_chart/range?vs_currency=usd&from=1&to=2",
        "/api/v3/coins/nope/ohlc?vs_currency=usd&days=1",
        "/api/v3/coins/nope/ohlc/range?vs_currency=usd&from=1&to=2",
    ] {
        assert_eq!(
            app.get_json(path, 404).await,
            json!({"error": "coin not found"}),
            "{path}"
        );
    }
    for path in [
        "/api/v3/coins/alpha/market_chart?vs_currency=eur&days=1",
        "/api/v3/coins/markets?vs_currency=eur",
        "/api/v3/simple/price?ids=alpha&vs_currencies=usd,eur",
        "/api/v3/coins/alpha/ohlc?vs_currency=xyz&days=1",
    ] {
        assert_eq!(
            app.get_json(path, 400).await,
            json!({"error": "invalid vs_currency"}),
            "{path}"
        );
    }
}

async fn coin_ids_are_stored_listed_and_writable(backend: Backend) {
    const KEY: &str = "v3-test-key";
    let app = spawn_app_with(backend, |config| config.writes.api_keys = vec![KEY.into()]).await;
    let d = [("2021-01-01", 1.0)];
    app.import_files(&[
        ("1.csv", coin("XRP", "XRP", &d, 1.0)),
        ("2.csv", coin("Crypto.com Coin", "CRO", &d, 1.0)),
        ("3.csv", coin("My  Coin!", "MYC", &d, 1.0)),
    ])
    .await
    .unwrap();
    let list = app.get_ok("/api/v3/coins/list").await;
    assert_eq!(
        list,
        json!([
            {"id": "crypto-com-chain", "symbol": "cro", "name": "Crypto.com Coin"},
            {"id": "my-coin", "symbol": "myc", "name": "My  Coin!"},
            {"id": "ripple", "symbol": "xrp", "name": "XRP"}
        ])
    );
    let v1 = app.get_ok("/api/v1/coins").await;
    assert_eq!(v1[1]["symbol"], "MYC");
    assert_eq!(v1[1]["id"], "my-coin");
    let put = |symbol: &'static str, body: Value| {
        let app = &app;
        async move {
            app.client
                .put(format!("{}/api/v1/coins/{symbol}", app.address))
                .bearer_auth(KEY)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    // A new coin whose slug is taken gets the next free one; an id can be given or changed.
    let created = put("MY2", json!({"name": "My Coin"})).await;
    assert_eq!(created.status().as_u16(), 201);
    assert_eq!(created.json::<Value>().await.unwrap()["id"], "my-coin-2");
    let renamed = put("MYC", json!({"name": "My  Coin!", "id": "mine"})).await;
    assert_eq!(renamed.status().as_u16(), 200);
    assert_eq!(renamed.json::<Value>().await.unwrap()["id"], "mine");
    assert_eq!(app.get_ok("/api/v3/coins/mine").await["symbol"], "myc");
    assert_eq!(
        app.get_json("/api/v3/coins/my-coin", 404).await,
        json!({"error": "coin not found"})
    );
    // Taken by another coin: 409, nothing written; malformed: 422.
    let taken = put("MY2", json!({"name": "My Coin", "id": "ripple"})).await;
    assert_eq!(taken.status().as_u16(), 409);
    assert_eq!(app.get_ok("/api/v3/coins/ripple").await["symbol"], "xrp");
    let malformed = put("MY2", json!({"name": "My Coin", "id": "Not An Id"})).await;
    assert_eq!(malformed.status().as_u16(), 422);
}

async fn paths_answer_with_a_trailing_slash_and_through_the_cache(backend: Backend) {
    let app = two_coins(backend).await;
    for (path, query) in [
        ("/api/v3/ping", ""),
        ("/api/v3/coins/alpha", ""),
        ("/api/v3/coins/list", ""),
        ("/api/v3/coins/markets", "?vs_currency=usd"),
        ("/api/v3/coins/alpha/history", "?date=02-01-2021"),
        (
            "/api/v3/coins/alpha/market_chart",
            "?vs_currency=usd&days=1",
        ),
        (
            "/api/v3/coins/alpha/market_chart/range",
            "?vs_currency=usd&from=1&to=2000000000",
        ),
        ("/api/v3/coins/alpha/ohlc", "?vs_currency=usd&days=1"),
        (
            "/api/v3/coins/alpha/ohlc/range",
            "?vs_currency=usd&from=1&to=2000000000",
        ),
        ("/api/v3/simple/price", "?ids=alpha&vs_currencies=usd"),
        ("/api/v3/simple/supported_vs_currencies", ""),
        ("/api/v3/search", "?query=a"),
    ] {
        let without = app.get_ok(&format!("{path}{query}")).await;
        let with = app.get_ok(&format!("{path}/{query}")).await;
        assert_eq!(with, without, "{path}");
    }
    assert_eq!(
        app.get_ok("/api/v3/simple/supported_vs_currencies").await,
        json!(["usd", "alp", "bet"])
    );
    // Keys in headers and parameters are ignored; the answer has an ETag and a 304 follows.
    let response = app
        .client
        .get(format!(
            "{}/api/v3/simple/price?ids=alpha&vs_currencies=usd&x_cg_demo_api_key=k&x_cg_pro_api_key=k",
            app.address
        ))
        .header("x-cg-demo-api-key", "k")
        .header("x-cg-pro-api-key", "k")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    // The same question spelled differently shares the ETag (canonical key).
    let again = app
        .client
        .get(format!(
            "{}/api/v3/simple/price?vs_currencies=USD&ids=ALPHA,alpha",
            app.address
        ))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
}

async fn the_real_data_answers_like_coingecko(backend: Backend) {
    let app = spawn_app(backend).await;
    app.import_real_data().await;
    let m = app
        .get_ok("/api/v3/coins/markets?vs_currency=usd&per_page=3")
        .await;
    assert_eq!(ids(&m), ["bitcoin", "ethereum", "tether"]);
    // 2021-07-06, from coin_Bitcoin.csv; the all-time high close is 2021-04-13's.
    assert_eq!(m[0]["current_price"], 34235.19345116);
    assert_eq!(m[0]["ath"], 63503.45793019);
    assert_eq!(m[0]["ath_date"], "2021-04-14T00:00:00.000Z");
    let max = app
        .get_ok("/api/v3/coins/bitcoin/market_chart?vs_currency=usd&days=max")
        .await;
    let highest = max["prices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[1].as_f64().unwrap())
        .fold(f64::MIN, f64::max);
    assert_eq!(highest, 63503.45793019);
    assert_eq!(max["prices"].as_array().unwrap().len(), 2991);
    // Monero misses 2014-06-05: no history on 06-06, and the range skips it.
    let gap = app
        .get_ok("/api/v3/coins/monero/history?date=06-06-2014")
        .await;
    assert_eq!(gap["market_data"]["current_price"], json!({}));
    let names = app
        .get_ok("/api/v3/coins/markets?vs_currency=usd&names=crypto.com%20coin,tron")
        .await;
    assert_eq!(names.as_array().unwrap().len(), 2);
    let iota = app.get_ok("/api/v3/coins/iota").await;
    assert_eq!(iota["symbol"], "miota");
}
