//! Data from `krispyto gen` through the importer, large enough to take the stores' bulk-load
//! path (by-date index dropped and rebuilt; binary COPY on PostgreSQL), on both stores.

use chrono::NaiveDate;
use krispyto::import::{self, source::Source, Progress};
use krispyto::store::Store;
use krispyto::tools::gen::{file_name, generate, GenOptions};

use crate::helpers::{spawn_app, Backend};
use crate::on_both_stores;

async fn record_indexes(store: &Store) -> Vec<String> {
    match store {
        Store::Sqlite(pool) => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'record' ORDER BY name",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
        Store::Postgres(pool) => sqlx::query_scalar(
            "SELECT indexname::text FROM pg_indexes WHERE tablename = 'record' ORDER BY indexname",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    }
}

/// The foreign keys of `record` (PostgreSQL drops and re-adds them for a bulk load).
async fn record_foreign_keys(store: &Store) -> Vec<String> {
    match store {
        Store::Sqlite(pool) => sqlx::query_scalar(
            "SELECT \"table\" || '(' || \"from\" || ')' FROM pragma_foreign_key_list('record')",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
        Store::Postgres(pool) => sqlx::query_scalar(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid = 'record'::regclass AND contype = 'f' ORDER BY conname",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    }
}

async fn a_bulk_load_of_generated_data_is_exact_and_keeps_the_indexes(backend: Backend) {
    let app = spawn_app(backend).await;
    let indexes_before = record_indexes(&app.store).await;
    let foreign_keys_before = record_foreign_keys(&app.store).await;
    assert_eq!(foreign_keys_before.len(), 1, "{foreign_keys_before:?}");
    assert!(
        indexes_before
            .iter()
            .any(|i| i == "record_date_covering_idx"),
        "{indexes_before:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let last_day = NaiveDate::from_ymd_opt(2021, 7, 6).unwrap();
    // 110 coins over 2,000 days with staggered listings: past the 200,000-row bulk threshold.
    let generated = generate(
        dir.path(),
        &GenOptions {
            coins: 110,
            days: 2000,
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
    assert_eq!(report.files, 110);
    assert_eq!(report.summary.coins_created, 110);
    assert_eq!(report.summary.inserted as u64, generated.rows);
    assert_eq!(
        app.store.record_count().await.unwrap() as u64,
        generated.rows
    );
    assert_eq!(record_indexes(&app.store).await, indexes_before);
    assert_eq!(record_foreign_keys(&app.store).await, foreign_keys_before);

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
    assert_eq!(rows.len(), 110);
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
    assert_eq!(record_indexes(&app.store).await, indexes_before);
}

on_both_stores!(a_bulk_load_of_generated_data_is_exact_and_keeps_the_indexes);
