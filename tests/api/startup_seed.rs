//! `serve --data`: the data is imported into an empty database only, and once, even when
//! several servers start together on one database (compose's replicas).

use krispyto::startup::seed_if_empty;

use crate::helpers::{fixtures::coin_file, Backend, TestDatabase};
use crate::on_both_stores;

on_both_stores!(a_second_start_finds_the_data_and_imports_nothing);

/// Two coins, five records, in a directory of their own.
fn data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("coin_Bitcoin.csv"),
        coin_file("Bitcoin", "BTC", "2021-07-01", &[30000.0, 31000.0, 32000.0]),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("coin_Ethereum.csv"),
        coin_file("Ethereum", "ETH", "2021-07-01", &[2000.0, 2100.0]),
    )
    .unwrap();
    dir
}

async fn migrated(db: &TestDatabase) -> krispyto::store::Store {
    let store = db.connect().await;
    store.migrate().await.unwrap();
    store
}

async fn a_second_start_finds_the_data_and_imports_nothing(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let data = data_dir();
    let data = data.path().to_str().unwrap();
    let store = migrated(&db).await;

    let first = seed_if_empty(&store, data).await.unwrap();
    assert_eq!(
        first
            .expect("the empty database is seeded")
            .summary
            .inserted,
        5
    );
    assert!(seed_if_empty(&store, data).await.unwrap().is_none());
    assert_eq!(store.record_count().await.unwrap(), 5);
}

/// Without the lock both servers see an empty database and both import: the second one's
/// report comes back too (all rows "unchanged"). PostgreSQL only: a SQLite file is served by
/// one process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_starting_together_on_postgres_load_the_data_once() {
    let db = TestDatabase::new(Backend::Postgres).await;
    let data = data_dir();
    let data = data.path().to_str().unwrap();
    let (a, b) = (migrated(&db).await, migrated(&db).await);

    for _ in 0..3 {
        let (from_a, from_b) = tokio::join!(seed_if_empty(&a, data), seed_if_empty(&b, data));
        let reports: Vec<_> = [from_a.unwrap(), from_b.unwrap()]
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(reports.len(), 1, "imported {} times", reports.len());
        assert_eq!(a.record_count().await.unwrap(), 5);
        // Start over on an empty database for the next round (CASCADE: the tables derived
        // from the records, all-time highs and digests, reference the coins).
        sqlx::query("TRUNCATE record, currency CASCADE")
            .execute(&pg_pool(&db).await)
            .await
            .unwrap();
    }
}

/// A server that fails (or dies) while holding the lock does not block the next one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_seed_lock_is_free_for_the_next_server() {
    let db = TestDatabase::new(Backend::Postgres).await;
    let (a, b) = (migrated(&db).await, migrated(&db).await);
    drop(a.lock_seed().await.unwrap());
    let taken = tokio::time::timeout(std::time::Duration::from_secs(30), b.lock_seed())
        .await
        .expect("the dropped lock was released")
        .unwrap();
    taken.release().await.unwrap();
}

async fn pg_pool(db: &TestDatabase) -> sqlx::PgPool {
    sqlx::PgPool::connect(&db.url).await.unwrap()
}
