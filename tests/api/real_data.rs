//! The importer and the compatibility routes on the real Kaggle data set
//! (../shared/data/kaggle-crypto: 23 coins, 37,082 rows), on both stores.

use std::path::Path;

use krispyto::import::{self, source::Source, ImportError, Progress};

use crate::helpers::{real_data_dir, spawn_app, Backend};
use crate::on_both_stores;

on_both_stores!(
    imports_every_row_and_answers_known_values,
    reimport_changes_nothing_and_a_changed_row_is_updated,
    a_bad_file_among_good_ones_leaves_the_database_unchanged,
    the_dashboard_for_all_coins_on_the_last_day,
);

async fn imports_every_row_and_answers_known_values(backend: Backend) {
    let app = spawn_app(backend).await;
    let report = app.import_real_data().await;
    assert_eq!(report.files, 23);
    assert_eq!(report.summary.coins, 23);
    assert_eq!(report.summary.coins_created, 23);
    assert_eq!(report.summary.inserted, 37_082);
    assert_eq!((report.summary.updated, report.summary.unchanged), (0, 0));
    assert_eq!(app.store.record_count().await.unwrap(), 37_082);
    assert_eq!(app.store.currencies().await.unwrap().len(), 23);

    let btc = app.get_ok("/dashboard?id=btc&date=2021-07-06").await;
    assert_eq!(btc[0]["crypto"], "Bitcoin");
    assert_eq!(btc[0]["price"], 34235.19345116);
    assert_eq!(btc[0]["24h-volume"], 26501259869.76);
    assert_eq!(btc[0]["market-cap"], 641899161593.76);
    // 24h against 2021-07-05's close, 33746.00245614 (from coin_Bitcoin.csv).
    assert_eq!(
        btc[0]["24h"],
        (34235.19345116 - 33746.00245614) / 33746.00245614 * 100.0
    );

    // Monero misses 2014-06-05: no row that day, and 06-06 compares with 06-04.
    app.get_error("/dashboard?id=xmr&date=2014-06-05", 404)
        .await;
    let xmr = app.get_ok("/dashboard?id=xmr&date=2014-06-06").await;
    let (close_0604, close_0606) = (1.8052500486373901, 1.2407200336456299);
    assert_eq!(xmr[0]["price"], close_0606);
    assert_eq!(
        xmr[0]["24h"],
        (close_0606 - close_0604) / close_0604 * 100.0
    );
    assert_eq!(
        xmr[0]["1m"],
        serde_json::Value::Null,
        "listed 2014-05-22, 15 days before"
    );
    assert_eq!(
        app.get_ok("/search?name=binancecoin").await,
        serde_json::json!({"name": "Binance Coin", "symbol": "BNB"})
    );
}

async fn reimport_changes_nothing_and_a_changed_row_is_updated(backend: Backend) {
    let app = spawn_app(backend).await;
    app.import_real_data().await;
    let generation = app.store.generation().await.unwrap();
    let again = app.import_real_data().await;
    assert_eq!((again.summary.inserted, again.summary.updated), (0, 0));
    assert_eq!(again.summary.unchanged, 37_082);
    assert_eq!(again.summary.coins_created, 0);
    assert_eq!(
        app.store.generation().await.unwrap(),
        generation,
        "nothing changed"
    );

    // One changed close for Bitcoin on 2021-07-06 updates that row and only it.
    let original = std::fs::read_to_string(real_data_dir().join("coin_Bitcoin.csv")).unwrap();
    let changed = original.replace(",34235.19345116,", ",34000.5,");
    assert_ne!(original, changed);
    let report = app
        .import_files(&[("coin_Bitcoin.csv", changed)])
        .await
        .unwrap();
    assert_eq!((report.summary.inserted, report.summary.updated), (0, 1));
    assert_eq!(report.summary.unchanged, 2_990);
    assert!(app.store.generation().await.unwrap() > generation);
    let btc = app.get_ok("/dashboard?id=btc&date=2021-07-06").await;
    assert_eq!(btc[0]["price"], 34000.5);
}

async fn a_bad_file_among_good_ones_leaves_the_database_unchanged(backend: Backend) {
    let app = spawn_app(backend).await;
    // Some rows already there: a refused import must leave exactly them.
    app.import_files(&[(
        "coin_Old.csv",
        crate::helpers::fixtures::coin_file("Old Coin", "OLD", "2020-01-01", &[1.0, 2.0]),
    )])
    .await
    .unwrap();
    let generation = app.store.generation().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(real_data_dir()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    // Sorted last, so every good file has been read before it is refused.
    let bad = "SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap\n\
               1,Zzz,ZZZ,2021-07-05 23:59:59,2.0,1.0,1.5,1.5,10.0,100.0\n\
               2,Zzz,ZZZ,2021-07-06 23:59:59,2.0,1.0,1.5,oops,10.0,100.0\n";
    std::fs::write(dir.path().join("coin_Zzz.csv"), bad).unwrap();

    let error = import::import(
        &app.store,
        &[Source::Path(dir.path().to_owned())],
        Progress::Hidden,
    )
    .await
    .unwrap_err();
    match &error {
        ImportError::Row {
            file, line, column, ..
        } => {
            assert!(Path::new(file).ends_with("coin_Zzz.csv"), "{file}");
            assert_eq!((*line, column.as_str()), (3, "Close"));
        }
        other => panic!("expected a row error, got {other:?}"),
    }
    assert_eq!(app.store.record_count().await.unwrap(), 2);
    assert_eq!(app.store.currencies().await.unwrap().len(), 1);
    assert_eq!(app.store.generation().await.unwrap(), generation);
}

async fn the_dashboard_for_all_coins_on_the_last_day(backend: Backend) {
    let app = spawn_app(backend).await;
    app.import_real_data().await;
    let body = app
        .get_ok("/dashboard?id=all&order_by=price&order_type=desc")
        .await;
    let rows = body.as_array().unwrap();
    assert_eq!(rows.len(), 23);
    assert_eq!(rows[0]["symbol"], "BTC");
    assert_eq!(rows[1]["symbol"], "WBTC");
    // The default date is the latest day in the data.
    assert_eq!(
        app.get_ok("/dashboard?id=all&date=2021-07-06")
            .await
            .as_array()
            .unwrap()
            .len(),
        23
    );
    // Wrapped Bitcoin's market cap is 0.0 on early days: reported as 0, not null.
    let wbtc = app.get_ok("/dashboard?id=wbtc&date=2019-02-01").await;
    assert_eq!(wbtc[0]["market-cap"], 0.0);
}

/// `records_for_changes` (the exact reference days first, the as-of fallback days only for
/// the coins missing one) gives every change the full 4-day window gives, on the real data
/// with its gaps (Monero misses 2014-06-05, Tether days in 2015), for every coin and lookback.
async fn changes_from_the_exact_days_equal_those_from_the_full_window(backend: Backend) {
    use krispyto::analytics::markets::MARKET_LOOKBACK_DAYS;
    use krispyto::analytics::percent::{change_over, reference_window};
    use krispyto::domain::DailyRecord;
    use std::collections::BTreeMap;

    let app = spawn_app(backend).await;
    app.import_real_data().await;
    let by_coin = |rows: Vec<(i64, DailyRecord)>| {
        let mut map: BTreeMap<i64, Vec<DailyRecord>> = BTreeMap::new();
        for (id, record) in rows {
            map.entry(id).or_default().push(record);
        }
        map
    };
    let changes = |coins: &BTreeMap<i64, Vec<DailyRecord>>, day| {
        coins
            .iter()
            .filter_map(|(id, records)| {
                let today = records.iter().find(|r| r.date() == day)?;
                let changes = MARKET_LOOKBACK_DAYS.map(|back| change_over(records, today, back));
                Some((*id, changes))
            })
            .collect::<Vec<_>>()
    };
    let mut compared = 0;
    let start = chrono::NaiveDate::from_ymd_opt(2014, 5, 1).unwrap();
    for offset in (0..2_600).step_by(3) {
        let day = start + chrono::Days::new(offset);
        let full = by_coin(
            app.store
                .records_on_days(None, &reference_window(day, &MARKET_LOOKBACK_DAYS))
                .await
                .unwrap(),
        );
        let exact = app
            .store
            .records_for_changes(None, day, &MARKET_LOOKBACK_DAYS)
            .await
            .unwrap();
        let exact_rows = exact.len();
        let exact = by_coin(exact);
        let expected = changes(&full, day);
        assert_eq!(changes(&exact, day), expected, "{day}");
        assert!(
            exact_rows <= full.values().map(Vec::len).sum::<usize>(),
            "{day}"
        );
        compared += expected.len();
    }
    assert!(compared > 5_000, "{compared}");
}

on_both_stores!(changes_from_the_exact_days_equal_those_from_the_full_window);
