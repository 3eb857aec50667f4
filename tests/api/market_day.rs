//! Table `market_day` (migration 0007): after every kind of write it equals a recomputation
//! from the stored records, and the day-based routes answer from it what they answered from
//! the records.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use krispyto::analytics::coingecko::{close_extremes, Figures, Quote};
use krispyto::analytics::coins::PricePoint;
use krispyto::analytics::dashboard::{
    dashboard_rows, dashboard_rows_of_days, CoinHistory, LOOKBACK_DAYS,
};
use krispyto::analytics::market_day::{MarketDay, MarketDays};
use krispyto::analytics::markets::{
    market_cap_ranks, market_rows, market_rows_of_days, MarketInput, MARKET_LOOKBACK_DAYS,
};
use krispyto::domain::{Currency, DailyRecord, Symbol};
use krispyto::import::{self, source::Source, Progress};
use krispyto::store::{CoinUpdate, Store};
use krispyto::tools::gen::{generate, GenOptions};

use crate::helpers::fixtures::{row, HEADER};
use crate::helpers::{spawn_app, Backend};
use crate::on_both_stores;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Every coin's records, by coin id, sorted by date.
async fn histories(store: &Store) -> HashMap<i64, Vec<DailyRecord>> {
    let ids: Vec<i64> = store
        .currencies()
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    let mut by_coin: HashMap<i64, Vec<DailyRecord>> = HashMap::new();
    for (id, record) in store.records_between(&ids, None, None).await.unwrap() {
        by_coin.entry(id).or_default().push(record);
    }
    by_coin
}

/// The table holds exactly the rows a recomputation from every coin's whole stored history
/// gives (`MarketDays`, itself checked against a brute force in its unit tests): one per
/// record, bit for bit. Returns the number of rows.
pub async fn assert_market_days_match_the_records(store: &Store) -> usize {
    let Some((first, last)) = store.date_range().await.unwrap() else {
        return 0;
    };
    let histories = histories(store).await;
    let mut expected: Vec<MarketDay> = histories
        .iter()
        .flat_map(|(id, records)| MarketDays::all(*id, records))
        .collect();
    expected.sort_by_key(|d| (d.date(), d.currency_id));
    let mut stored: Vec<MarketDay> = Vec::with_capacity(expected.len());
    let mut date = first;
    while date <= last {
        stored.extend(store.market_days(date, None).await.unwrap());
        date = date + Days::new(1);
    }
    assert_eq!(stored.len(), expected.len());
    let bits = |d: &MarketDay| format!("{d:?} {:?}", d.record.values().map(f64::to_bits));
    for (got, want) in stored.iter().zip(&expected) {
        assert_eq!(bits(got), bits(want));
    }
    stored.len()
}

/// On `date`, the dashboard's, /api/v1/markets' and /api/v3/coins/markets' figures computed
/// from `market_day` equal those computed the old way, from the records of the reference days,
/// each coin's whole history (its all-time high) and the close-extreme tables.
async fn assert_routes_unchanged_on(store: &Store, date: NaiveDate) {
    let currencies: Vec<Currency> = store.currencies().await.unwrap();
    let all: Vec<&Currency> = currencies.iter().collect();
    let days = store.market_days(date, None).await.unwrap();
    let by_id: HashMap<i64, &MarketDay> = days.iter().map(|d| (d.currency_id, d)).collect();
    let of_days: Vec<(&Currency, &MarketDay)> = all
        .iter()
        .filter_map(|c| by_id.get(&c.id).map(|d| (*c, *d)))
        .collect();

    // The dashboard.
    let mut around: HashMap<i64, Vec<DailyRecord>> = HashMap::new();
    for (id, r) in store
        .records_for_changes(None, date, &LOOKBACK_DAYS)
        .await
        .unwrap()
    {
        around.entry(id).or_default().push(r);
    }
    let histories: Vec<CoinHistory<'_>> = all
        .iter()
        .filter_map(|c| {
            around.get(&c.id).map(|records| CoinHistory {
                currency: c,
                records,
            })
        })
        .collect();
    let old = dashboard_rows(date, &histories);
    assert_eq!(
        format!("{old:?}"),
        format!("{:?}", dashboard_rows_of_days(&of_days))
    );

    // /api/v1/markets.
    let mut around: HashMap<i64, Vec<DailyRecord>> = HashMap::new();
    for (id, r) in store
        .records_for_changes(None, date, &MARKET_LOOKBACK_DAYS)
        .await
        .unwrap()
    {
        around.entry(id).or_default().push(r);
    }
    let caps: HashMap<i64, f64> = store
        .market_caps_on(date)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let ranked: Vec<(&Currency, f64)> = currencies
        .iter()
        .filter_map(|c| caps.get(&c.id).map(|cap| (c, *cap)))
        .collect();
    let ranks = market_cap_ranks(&ranked);
    // Each coin's highest high up to the day, reached first: from its whole stored history.
    let highs: HashMap<i64, PricePoint> = self::histories(store)
        .await
        .into_iter()
        .filter_map(|(id, records)| {
            let mut ath: Option<PricePoint> = None;
            for r in records.iter().take_while(|r| r.date() <= date) {
                if ath.is_none_or(|a| r.high() > a.price) {
                    ath = Some(PricePoint {
                        price: r.high(),
                        date: r.date(),
                    });
                }
            }
            Some((id, ath?))
        })
        .collect();
    let inputs: Vec<MarketInput<'_>> = all
        .iter()
        .filter_map(|c| {
            around.get(&c.id).map(|records| MarketInput {
                currency: c,
                records,
                ath: highs.get(&c.id).copied(),
            })
        })
        .collect();
    let old = market_rows(date, &inputs, &ranks);
    let new = market_rows_of_days(&of_days, &ranks);
    assert_eq!(format!("{old:?}"), format!("{new:?}"));
    assert_eq!(old.len(), days.len());

    // /api/v3/coins/markets in USD: the figures of the day and the day before, the extremes.
    let yesterday = date - Days::new(1);
    let mut recent: HashMap<i64, Vec<DailyRecord>> = HashMap::new();
    for (id, r) in store
        .records_on_days(None, &[yesterday, date])
        .await
        .unwrap()
    {
        recent.entry(id).or_default().push(r);
    }
    let extremes: HashMap<i64, (f64, NaiveDate, f64, NaiveDate)> = store
        .close_extremes(None, date)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.currency_id,
                (e.highest, e.highest_date, e.lowest, e.lowest_date),
            )
        })
        .collect();
    for d in &days {
        let own = &recent[&d.currency_id];
        let old = Figures::new(own, date, Quote::Usd);
        let new = Figures::of_usd_day(d);
        assert_eq!(format!("{old:?}"), format!("{new:?}"));
        assert_eq!(
            old.price_change_percentage_24h(),
            krispyto::analytics::coingecko::price_change_percentage(
                own,
                date,
                krispyto::analytics::coingecko::Lookback::H24,
                Quote::Usd
            )
        );
        let (h, hd, l, ld) = extremes[&d.currency_id];
        assert_eq!(
            (h, hd, l, ld),
            (
                d.highest_close.price,
                d.highest_close.date,
                d.lowest_close.price,
                d.lowest_close.date
            )
        );
    }
}

/// A coin file from `start` with a row per day of `closes`, skipping the days in `gaps`.
fn coin_file(name: &str, symbol: &str, start: &str, closes: &[f64], gaps: &[usize]) -> String {
    let mut body = HEADER.to_owned();
    for (i, close) in closes.iter().enumerate() {
        if gaps.contains(&i) {
            continue;
        }
        body.push_str(&row(
            i + 1,
            name,
            symbol,
            day(start) + Days::new(i as u64),
            *close,
            close * 100.0,
        ));
    }
    body
}

fn closes(n: usize, seed: u64) -> Vec<f64> {
    (0..n as u64)
        .map(|i| 10.0 + ((i * 7919 + seed * 104_729) % 113) as f64 + (i % 17) as f64 * 0.25)
        .collect()
}

fn record(date: &str, close: f64) -> DailyRecord {
    DailyRecord::new(
        day(date).into(),
        close,
        close * 1.1,
        close * 0.9,
        close,
        close * 1000.0,
        close * 100.0,
    )
    .unwrap()
}

fn update(symbol: &str, records: Vec<DailyRecord>) -> CoinUpdate {
    CoinUpdate {
        symbol: Symbol::parse(symbol).unwrap(),
        name: None,
        coin_id: None,
        records,
    }
}

async fn market_day_stays_exact_through_every_kind_of_write(backend: Backend) {
    let app = spawn_app(backend).await;
    let store = &app.store;
    // Two coins over ~500 days, with gaps of 1, 2, 3 and 5 days (the as-of rule bridges up to
    // 3), the second listed later.
    app.import_files(&[
        (
            "coin_Alpha.csv",
            coin_file(
                "Alpha",
                "ALP",
                "2020-01-01",
                &closes(500, 1),
                &[40, 41, 42, 43, 44],
            ),
        ),
        (
            "coin_Beta.csv",
            coin_file(
                "Beta",
                "BET",
                "2020-03-15",
                &closes(420, 2),
                &[100, 200, 201],
            ),
        ),
    ])
    .await
    .unwrap();
    let rows = assert_market_days_match_the_records(store).await;
    assert_eq!(rows, 495 + 417);
    for date in ["2020-02-14", "2020-06-25", "2021-01-05", "2021-05-14"] {
        assert_routes_unchanged_on(store, day(date)).await;
    }

    // One record in the middle of Alpha's history, a new all-time high: every later row's
    // references and extremes change, the earlier ones do not.
    let before = store.market_days(day("2020-08-01"), None).await.unwrap();
    store
        .apply(&[update("ALP", vec![record("2020-08-02", 5_000.0)])])
        .await
        .unwrap();
    assert_market_days_match_the_records(store).await;
    assert_eq!(
        store.market_days(day("2020-08-01"), None).await.unwrap(),
        before
    );
    let later = store.market_days(day("2021-01-05"), None).await.unwrap();
    assert_eq!(later[0].ath.date, day("2020-08-02"));
    assert_eq!(later[0].highest_close.price, 5_000.0);
    for date in ["2020-08-02", "2020-08-03", "2020-09-01", "2021-01-05"] {
        assert_routes_unchanged_on(store, day(date)).await;
    }

    // A record after a gap of 9 days (Beta's last day is 2021-05-08), and one filling a gap
    // (Alpha misses 2020-02-10..14), in one write.
    store
        .apply(&[
            update("BET", vec![record("2021-05-17", 1.0)]),
            update("ALP", vec![record("2020-02-12", 0.5)]),
        ])
        .await
        .unwrap();
    assert_market_days_match_the_records(store).await;
    let gap = store.market_days(day("2021-05-17"), None).await.unwrap();
    let beta = gap.iter().find(|d| d.record.close() == 1.0).unwrap();
    assert_eq!(beta.reference_closes[0], None, "9 days back is too old");
    assert_eq!(beta.previous, None);
    for date in ["2020-02-12", "2020-02-15", "2020-03-13", "2021-05-17"] {
        assert_routes_unchanged_on(store, day(date)).await;
    }

    // An import adding a day to both coins (and changing nothing else).
    let mut alpha = closes(500, 1);
    alpha.push(77.0);
    let report = app
        .import_files(&[(
            "coin_Alpha.csv",
            coin_file("Alpha", "ALP", "2020-01-01", &alpha, &[40, 41, 42, 43, 44]),
        )])
        .await
        .unwrap();
    assert_eq!(report.summary.inserted, 1);
    assert_market_days_match_the_records(store).await;
    assert_routes_unchanged_on(store, day("2021-05-15")).await;

    // The same coin twice in one write.
    store
        .apply(&[
            update("BET", vec![record("2021-05-18", 2.0)]),
            update("BET", vec![record("2020-04-01", 3.0)]),
        ])
        .await
        .unwrap();
    assert_market_days_match_the_records(store).await;

    // The routes answer from it.
    let dashboard = app.get_ok("/dashboard?id=all&date=2021-05-18").await;
    assert_eq!(dashboard.as_array().unwrap().len(), 1);
    assert_eq!(dashboard[0]["price"], 2.0);
    let markets = app.get_ok("/api/v1/markets?date=2021-05-15").await;
    assert_eq!(markets["data"][0]["price"], 77.0);
    let v3 = app
        .get_ok("/api/v3/coins/markets?vs_currency=usd&date=2021-05-18")
        .await;
    assert_eq!(v3[0]["current_price"], 2.0);
}

on_both_stores!(market_day_stays_exact_through_every_kind_of_write);

/// Generated data (random walks, staggered listings) through the importer: the table and the
/// routes' figures on many days.
async fn generated_data_answers_as_from_the_records(backend: Backend) {
    let app = spawn_app(backend).await;
    let dir = tempfile::tempdir().unwrap();
    generate(
        dir.path(),
        &GenOptions {
            coins: 25,
            days: 800,
            seed: 11,
            last_day: day("2021-07-06"),
        },
    )
    .unwrap();
    import::import(
        &app.store,
        &[Source::Path(dir.path().to_owned())],
        Progress::Hidden,
    )
    .await
    .unwrap();
    assert!(assert_market_days_match_the_records(&app.store).await > 10_000);
    let mut date = day("2019-05-01");
    while date <= day("2021-07-06") {
        assert_routes_unchanged_on(&app.store, date).await;
        date = date + Days::new(23);
    }
    assert_routes_unchanged_on(&app.store, day("2021-07-06")).await;
}

on_both_stores!(generated_data_answers_as_from_the_records);

/// A database written before migration 0007 (simulated: the table emptied) is filled when the
/// server starts.
async fn an_older_database_is_filled_at_startup(backend: Backend) {
    let app = spawn_app(backend).await;
    app.import_files(&[(
        "coin_Alpha.csv",
        coin_file("Alpha", "ALP", "2020-01-01", &closes(400, 3), &[10, 11]),
    )])
    .await
    .unwrap();
    let store = app.db.connect().await;
    match &store {
        Store::Sqlite(pool) => {
            sqlx::query("DELETE FROM market_day")
                .execute(pool)
                .await
                .unwrap();
        }
        Store::Postgres(pool) => {
            sqlx::query("DELETE FROM market_day")
                .execute(pool)
                .await
                .unwrap();
        }
    }
    assert!(store
        .market_days(day("2020-06-01"), None)
        .await
        .unwrap()
        .is_empty());
    store.migrate().await.unwrap();
    assert_eq!(assert_market_days_match_the_records(&store).await, 398);
    // A second start has nothing to do.
    store.migrate().await.unwrap();
    assert_eq!(assert_market_days_match_the_records(&store).await, 398);
}

on_both_stores!(an_older_database_is_filled_at_startup);

/// `close_extremes` of analytics agrees too (the v3 route's other currencies read it).
#[test]
fn close_extremes_of_a_history_are_its_last_market_day_extremes() {
    let records: Vec<DailyRecord> = closes(300, 5)
        .iter()
        .enumerate()
        .map(|(i, c)| record(&(day("2020-01-01") + Days::new(i as u64)).to_string(), *c))
        .collect();
    let last = MarketDays::all(1, &records).last().unwrap();
    let (high, low) = close_extremes(&records, Quote::Usd).unwrap();
    assert_eq!(
        (high.value, high.day, low.value, low.day),
        (
            last.highest_close.price,
            last.highest_close.date,
            last.lowest_close.price,
            last.lowest_close.date
        )
    );
}
