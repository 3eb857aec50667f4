//! Data from `krispyto gen` through the importer, large enough to take the stores' bulk-load
//! path (secondary indexes dropped and rebuilt; binary COPY on PostgreSQL), on both stores.

use chrono::NaiveDate;
use krispyto::import::{self, source::Source, Progress};
use krispyto::store::Store;
use krispyto::tools::gen::{file_name, generate, GenOptions};

use crate::helpers::{spawn_app, Backend};
use crate::on_both_stores;

/// The names of the indexes of `record` and `market_day` (a bulk load drops the secondary
/// ones and builds them again): a query for each store.
const RECORD_INDEXES: [&str; 2] = [
    "SELECT name FROM sqlite_master WHERE type = 'index' \
     AND tbl_name IN ('record', 'market_day') ORDER BY name",
    "SELECT indexname::text FROM pg_indexes \
     WHERE tablename IN ('record', 'market_day') ORDER BY indexname",
];

/// The foreign keys of `record` (PostgreSQL drops and re-adds them for a bulk load).
const RECORD_FOREIGN_KEYS: [&str; 2] = [
    "SELECT \"table\" || '(' || \"from\" || ')' FROM pragma_foreign_key_list('record')",
    "SELECT pg_get_constraintdef(oid) FROM pg_constraint \
     WHERE conrelid = 'record'::regclass AND contype = 'f' ORDER BY conname",
];

/// What one of the queries above answers on `store`: its SQLite or its PostgreSQL form.
async fn strings(store: &Store, [sqlite, postgres]: [&str; 2]) -> Vec<String> {
    match store {
        Store::Sqlite(pool) => sqlx::query_scalar(sqlite).fetch_all(pool).await.unwrap(),
        Store::Postgres(pool) => sqlx::query_scalar(postgres).fetch_all(pool).await.unwrap(),
    }
}

/// The days the derived tables are checked on: month starts, month ends (a leap day among
/// them), a day inside a month, and the last day of the real data.
const CHECKED_DAYS: [&str; 6] = [
    "2012-03-01",
    "2015-02-28",
    "2016-02-29",
    "2018-07-17",
    "2021-07-01",
    "2021-07-06",
];

/// The store's highest and lowest closes (month starts + steps, migration 0006) equal those
/// computed from every record, each reached first, on the same days.
async fn assert_close_extremes_match_the_records(store: &Store) {
    for day in CHECKED_DAYS {
        // Each coin's first row in (close, date) order, one way and the other.
        let extreme = |direction: &str| {
            format!(
                "SELECT currency_id, close, date FROM ( \
                     SELECT currency_id, close, date, ROW_NUMBER() OVER ( \
                         PARTITION BY currency_id ORDER BY close {direction}, date) AS n \
                     FROM record WHERE date <= '{day}') r \
                 WHERE n = 1"
            )
        };
        let sql = format!(
            "SELECT h.currency_id, h.close, h.date, l.close, l.date \
             FROM ({}) h JOIN ({}) l ON l.currency_id = h.currency_id ORDER BY h.currency_id",
            extreme("DESC"),
            extreme("ASC")
        );
        type Row = (i64, f64, NaiveDate, f64, NaiveDate);
        let expected: Vec<Row> = match store {
            Store::Sqlite(pool) => sqlx::query_as(&sql).fetch_all(pool).await.unwrap(),
            Store::Postgres(pool) => sqlx::query_as(&sql).fetch_all(pool).await.unwrap(),
        };
        let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        let extremes: Vec<Row> = store
            .close_extremes(None, day)
            .await
            .unwrap()
            .into_iter()
            .map(|e| {
                (
                    e.currency_id,
                    e.highest,
                    e.highest_date,
                    e.lowest,
                    e.lowest_date,
                )
            })
            .collect();
        assert_eq!(extremes, expected, "{day}");
        assert!(!extremes.is_empty() || day.to_string() == "2012-03-01");
    }
}

async fn a_bulk_load_of_generated_data_is_exact_and_keeps_the_indexes(backend: Backend) {
    let app = spawn_app(backend).await;
    let indexes_before = strings(&app.store, RECORD_INDEXES).await;
    let foreign_keys_before = strings(&app.store, RECORD_FOREIGN_KEYS).await;
    assert_eq!(foreign_keys_before.len(), 1, "{foreign_keys_before:?}");
    assert!(
        indexes_before
            .iter()
            .any(|i| i == "market_day_currency_idx"),
        "{indexes_before:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let last_day = NaiveDate::from_ymd_opt(2021, 7, 6).unwrap();
    // 90 coins over the benchmark's 3,650 days with staggered listings: past the 200,000-row
    // bulk threshold, and the set in which the unbounded walk of coin 88 (then "Synth Adk")
    // reached a market cap of 1.02e18, which the importer refuses.
    let generated = generate(
        dir.path(),
        &GenOptions {
            coins: 90,
            days: 3650,
            seed: 42,
            last_day,
        },
    )
    .unwrap();
    assert!(generated.rows >= 200_000, "{generated:?}");
    let source = [Source::Path(dir.path().to_owned())];

    let report = import::import(&app.store, &source, Progress::Hidden)
        .await
        .unwrap();
    assert_eq!(report.files, 90);
    assert_eq!(report.summary.coins_created, 90);
    assert_eq!(report.summary.inserted as u64, generated.rows);
    assert_eq!(
        app.store.record_count().await.unwrap() as u64,
        generated.rows
    );
    assert_eq!(strings(&app.store, RECORD_INDEXES).await, indexes_before);
    assert_eq!(
        strings(&app.store, RECORD_FOREIGN_KEYS).await,
        foreign_keys_before
    );
    assert_close_extremes_match_the_records(&app.store).await;
    // `market_day`, written in key order on the bulk path, equals a recomputation.
    assert_eq!(
        crate::market_day::assert_market_days_match_the_records(&app.store).await as u64,
        generated.rows
    );

    // Every value arrives bit for bit: the dashboard's price is the file's last Close.
    let csv = std::fs::read_to_string(dir.path().join(file_name("Synth Aaa"))).unwrap();
    let last_close: f64 = csv
        .lines()
        .last()
        .unwrap()
        .split(',')
        .nth(7)
        .unwrap()
        .parse()
        .unwrap();
    let rows = app
        .get_json(
            "/dashboard?id=all&date=2021-07-06&order_by=symbol&order_type=asc",
            200,
        )
        .await;
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 90);
    assert_eq!(rows[0]["symbol"], "SYN_AAA");
    assert_eq!(rows[0]["crypto"], "Synth Aaa");
    assert_eq!(
        rows[0]["price"].as_f64().unwrap().to_bits(),
        last_close.to_bits()
    );

    // Importing the same files again changes nothing.
    let again = import::import(&app.store, &source, Progress::Hidden)
        .await
        .unwrap();
    assert_eq!(
        (again.summary.inserted, again.summary.updated),
        (0, 0),
        "{again:?}"
    );
    assert_eq!(again.summary.unchanged as u64, generated.rows);
    assert_eq!(strings(&app.store, RECORD_INDEXES).await, indexes_before);
}

on_both_stores!(a_bulk_load_of_generated_data_is_exact_and_keeps_the_indexes);

/// Generated coins never take a real coin's symbol: the old generator's 79th coin was
/// "Synth Ada" with Cardano's symbol ADA, so real and generated files could not share a database.
async fn generated_and_real_data_import_into_one_database(backend: Backend) {
    let app = spawn_app(backend).await;
    app.import_real_data().await;
    let dir = tempfile::tempdir().unwrap();
    let generated = generate(
        dir.path(),
        &GenOptions {
            coins: 120,
            days: 5,
            seed: 42,
            last_day: NaiveDate::from_ymd_opt(2021, 7, 6).unwrap(),
        },
    )
    .unwrap();
    let report = import::import(
        &app.store,
        &[Source::Path(dir.path().to_owned())],
        Progress::Hidden,
    )
    .await
    .unwrap();
    assert_eq!(report.summary.coins_created, 120);
    assert_eq!(report.summary.inserted as u64, generated.rows);
    assert_eq!(app.store.currencies().await.unwrap().len(), 23 + 120);
    let ada = app.get_json("/dashboard?id=ada&date=2021-07-06", 200).await;
    assert_eq!(ada[0]["crypto"], "Cardano");
}

on_both_stores!(generated_and_real_data_import_into_one_database);
