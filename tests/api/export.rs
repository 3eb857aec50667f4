//! `krispyto export` and `GET /api/v1/export`, on both stores: the real data exported and
//! imported into an empty database comes back bit for bit; the API's CSV and NDJSON carry
//! exactly the stored values; bad parameters are 400s naming them.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use krispyto::domain::DailyRecord;
use krispyto::export::{self, ExportFormat, ExportOptions, Output};
use krispyto::import::{self, source::Source, Progress};
use krispyto::store::{RecordSelection, Store};

use crate::helpers::{fixtures::coin_file, spawn_app, Backend, TestDatabase};
use crate::on_both_stores;

on_both_stores!(
    the_real_data_exported_and_imported_again_is_bit_identical,
    the_api_streams_every_record_of_the_real_data_exactly,
    the_api_csv_has_coin_columns_only_for_several_coins,
    ranges_and_bad_parameters,
);

/// Every record of a store, by symbol then date, with the coin's name.
async fn everything(store: &Store) -> BTreeMap<String, (String, Vec<DailyRecord>)> {
    let currencies = store.currencies().await.unwrap();
    let ids: Vec<i64> = currencies.iter().map(|c| c.id).collect();
    let mut out: BTreeMap<String, (String, Vec<DailyRecord>)> = currencies
        .iter()
        .map(|c| (c.symbol.to_string(), (c.name.clone(), Vec::new())))
        .collect();
    for (id, record) in store.records_between(&ids, None, None).await.unwrap() {
        let coin = currencies.iter().find(|c| c.id == id).unwrap();
        out.get_mut(coin.symbol.as_str()).unwrap().1.push(record);
    }
    out
}

/// Bit-for-bit equality of two record sets (`==` on f64 would let -0.0 pass for 0.0).
fn assert_identical(
    left: &BTreeMap<String, (String, Vec<DailyRecord>)>,
    right: &BTreeMap<String, (String, Vec<DailyRecord>)>,
) {
    assert_eq!(
        left.keys().collect::<Vec<_>>(),
        right.keys().collect::<Vec<_>>()
    );
    for (symbol, (name, records)) in left {
        let (other_name, other) = &right[symbol];
        assert_eq!(name, other_name, "{symbol}");
        assert_eq!(records.len(), other.len(), "{symbol}");
        for (a, b) in records.iter().zip(other) {
            assert_eq!(a.date(), b.date(), "{symbol}");
            assert!(a.same_values(b), "{symbol} {}: {a:?} != {b:?}", a.date());
        }
    }
}

async fn the_real_data_exported_and_imported_again_is_bit_identical(backend: Backend) {
    let app = spawn_app(backend).await;
    app.import_real_data().await;
    let original = everything(&app.store).await;
    assert_eq!(original.len(), 23);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export");
    let currencies = app.store.currencies().await.unwrap();
    let summary =
        export::write_kaggle_dir(&app.store, &currencies, RecordSelection::default(), &out)
            .await
            .unwrap();
    assert_eq!((summary.coins, summary.rows), (23, 37_082));
    assert_eq!(summary.files.len(), 23);
    assert!(out.join("coin_Bitcoin.csv").exists());
    assert!(out.join("coin_CryptocomCoin.csv").exists());
    // Nothing but the finished files is left behind.
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 23);
    let bitcoin = std::fs::read_to_string(out.join("coin_Bitcoin.csv")).unwrap();
    let mut lines = bitcoin.lines();
    assert_eq!(
        lines.next(),
        Some("SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap")
    );
    assert_eq!(
        lines.next(),
        Some("1,Bitcoin,BTC,2013-04-29 23:59:59,147.48800659179688,134.0,134.44400024414062,144.5399932861328,0.0,1603768864.5")
    );

    let fresh = TestDatabase::new(backend).await;
    let store = fresh.connect().await;
    store.migrate().await.unwrap();
    let report = import::import(&store, &[Source::Path(out.clone())], Progress::Hidden)
        .await
        .unwrap();
    assert_eq!(report.summary.inserted, 37_082);
    assert_identical(&original, &everything(&store).await);

    // A second export into the same directory refuses to overwrite it.
    let refused =
        export::write_kaggle_dir(&app.store, &currencies, RecordSelection::default(), &out)
            .await
            .unwrap_err();
    assert!(
        refused.to_string().contains("already holds CSV files"),
        "{refused}"
    );

    // NDJSON to a file, one coin over a range: one line a record, exact values.
    let file = dir.path().join("btc.ndjson");
    let btc = currencies
        .iter()
        .find(|c| c.symbol.as_str() == "BTC")
        .unwrap();
    let selection = RecordSelection {
        currency_ids: Some(vec![btc.id]),
        from: "2021-07-01".parse().ok(),
        to: None,
    };
    let summary = export::write_ndjson(
        &app.store,
        &currencies,
        selection,
        Output::File(file.clone()),
    )
    .await
    .unwrap();
    assert_eq!((summary.coins, summary.rows), (1, 6));
    let text = std::fs::read_to_string(&file).unwrap();
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["date"], "2021-07-06");
    assert_eq!(last["close"], 34235.19345116);
    assert_eq!(last["market_cap"], 641899161593.76);
}

/// Parses an NDJSON export into the shape of `everything`.
fn parse_ndjson(text: &str) -> BTreeMap<String, (String, Vec<DailyRecord>)> {
    let mut out: BTreeMap<String, (String, Vec<DailyRecord>)> = BTreeMap::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        let number = |key: &str| v[key].as_f64().unwrap_or_else(|| panic!("{key} in {line}"));
        let date: NaiveDate = v["date"].as_str().unwrap().parse().unwrap();
        let record = DailyRecord::new(
            date.into(),
            number("open"),
            number("high"),
            number("low"),
            number("close"),
            number("volume"),
            number("market_cap"),
        )
        .unwrap();
        out.entry(v["symbol"].as_str().unwrap().to_owned())
            .or_insert_with(|| (v["name"].as_str().unwrap().to_owned(), Vec::new()))
            .1
            .push(record);
    }
    out
}

async fn the_api_streams_every_record_of_the_real_data_exactly(backend: Backend) {
    let app = spawn_app(backend).await;
    app.import_real_data().await;
    let original = everything(&app.store).await;

    let response = app.get("/api/v1/export?format=ndjson").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"krispyto-all.ndjson\""
    );
    let text = response.text().await.unwrap();
    assert_eq!(text.lines().count(), 37_082);
    assert_identical(&original, &parse_ndjson(&text));

    // The CSV of every coin carries the same values (parsed back with the csv crate).
    let response = app.get("/api/v1/export").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader
            .headers()
            .unwrap()
            .iter()
            .collect::<Vec<_>>()
            .join(","),
        "name,symbol,date,open,high,low,close,volume,market_cap"
    );
    let mut from_csv: BTreeMap<String, (String, Vec<DailyRecord>)> = BTreeMap::new();
    for row in reader.records() {
        let row = row.unwrap();
        let n = |i: usize| row[i].parse::<f64>().unwrap();
        from_csv
            .entry(row[1].to_owned())
            .or_insert_with(|| (row[0].to_owned(), Vec::new()))
            .1
            .push(
                DailyRecord::new(
                    row[2].parse::<NaiveDate>().unwrap().into(),
                    n(3),
                    n(4),
                    n(5),
                    n(6),
                    n(7),
                    n(8),
                )
                .unwrap(),
            );
    }
    assert_identical(&original, &from_csv);
}

async fn the_api_csv_has_coin_columns_only_for_several_coins(backend: Backend) {
    let app = spawn_app(backend).await;
    app.import_files(&[
        (
            "btc.csv",
            coin_file("Bitcoin", "BTC", "2021-07-01", &[1.5, 2.0, 3.25]),
        ),
        (
            "foo.csv",
            coin_file("\"Foo, Inc\"", "FOO", "2021-07-02", &[0.1]),
        ),
    ])
    .await
    .unwrap();

    let response = app.get("/api/v1/export?ids=btc").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"krispyto-btc.csv\""
    );
    assert_eq!(
        response.text().await.unwrap(),
        "date,open,high,low,close,volume,market_cap\n\
         2021-07-01,1.5,1.6500000000000001,1.35,1.5,1500.0,150.0\n\
         2021-07-02,2.0,2.2,1.8,2.0,2000.0,200.0\n\
         2021-07-03,3.25,3.575,2.9250000000000003,3.25,3250.0,325.0\n"
    );

    // Two coins (or all): name and symbol first, names quoted as CSV needs.
    let both = app
        .get("/api/v1/export?ids=foo,Bitcoin&from=2021-07-02&to=2021-07-02")
        .await;
    assert_eq!(
        both.headers()["content-disposition"],
        "attachment; filename=\"krispyto-all-from-2021-07-02-to-2021-07-02.csv\""
    );
    assert_eq!(
        both.text().await.unwrap(),
        "name,symbol,date,open,high,low,close,volume,market_cap\n\
         Bitcoin,BTC,2021-07-02,2.0,2.2,1.8,2.0,2000.0,200.0\n\
         \"Foo, Inc\",FOO,2021-07-02,0.1,0.11000000000000001,0.09000000000000001,0.1,100.0,10.0\n"
    );
    let all = app.get("/api/v1/export?ids=ALL&format=ndjson").await;
    let text = all.text().await.unwrap();
    assert_eq!(text.lines().count(), 4);
    assert!(text.starts_with(
        "{\"symbol\":\"BTC\",\"name\":\"Bitcoin\",\"date\":\"2021-07-01\",\"open\":1.5,"
    ));
    assert!(text.contains("\"name\":\"Foo, Inc\""), "{text}");
}

async fn ranges_and_bad_parameters(backend: Backend) {
    let app = spawn_app(backend).await;
    // No data yet: a header and nothing else (not an error).
    let empty = app.get("/api/v1/export").await;
    assert_eq!(empty.status().as_u16(), 200);
    assert_eq!(
        empty.text().await.unwrap(),
        "name,symbol,date,open,high,low,close,volume,market_cap\n"
    );
    app.import_three_btc_days().await;
    let nothing = app
        .get("/api/v1/export?ids=btc&from=2022-01-01&format=ndjson")
        .await;
    assert_eq!(nothing.status().as_u16(), 200);
    assert_eq!(nothing.text().await.unwrap(), "");

    for (query, parameter) in [
        ("ids=", "'ids'"),
        ("ids=,", "'ids'"),
        ("format=json", "'format'"),
        ("format=CSV%20", "'format'"),
        ("from=2021-02-30", "'from'"),
        ("to=yesterday", "'to'"),
        ("from=2021-07-03&to=2021-07-01", "'from'"),
        ("ids=btc&ids=eth", "once"),
    ] {
        let message = app.get_error(&format!("/api/v1/export?{query}"), 400).await;
        assert!(message.contains(parameter), "{query}: {message}");
    }
    let message = app.get_error("/api/v1/export?ids=btc,nope", 404).await;
    assert!(message.contains("'nope'"), "{message}");
}

/// The command's checks: a CSV export is refused where it would overwrite files or go to
/// stdout; unknown coins and reversed ranges are named. (The binary itself is not run: other
/// builds may replace it in a shared target directory while tests run.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_checks_its_options_and_never_overwrites() {
    let app = spawn_app(Backend::Sqlite).await;
    app.import_three_btc_days().await;
    let dir = tempfile::tempdir().unwrap();
    let options = |format, out: &str, coins: &str| ExportOptions {
        format,
        out: dir.path().join(out),
        coins: coins.into(),
        from: None,
        to: "2021-07-02".parse().ok(),
    };
    let file = options(ExportFormat::Ndjson, "out.ndjson", "BTC");
    let summary = export::run(&app.store, &file).await.unwrap();
    assert_eq!(summary.to_string(), "2 rows of 1 coin in 1 file");
    let text = std::fs::read_to_string(dir.path().join("out.ndjson")).unwrap();
    assert_eq!(text.lines().count(), 2);

    std::fs::write(dir.path().join("coin_Old.csv"), "x").unwrap();
    let error = export::run(&app.store, &options(ExportFormat::Csv, "", "all"))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("already holds CSV files"), "{error}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("coin_Old.csv")).unwrap(),
        "x"
    );
    let mut stdout = options(ExportFormat::Csv, "", "all");
    stdout.out = "-".into();
    let error = export::run(&app.store, &stdout)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("--format ndjson"), "{error}");
    let error = export::run(&app.store, &options(ExportFormat::Csv, "new", "btc,nope"))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("'nope'"), "{error}");
    let mut reversed = options(ExportFormat::Csv, "new", "all");
    reversed.from = "2021-07-03".parse().ok();
    let error = export::run(&app.store, &reversed)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("--from"), "{error}");
    assert!(!dir.path().join("new").exists());
}
