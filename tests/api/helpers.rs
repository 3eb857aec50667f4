//! Black-box test harness: a real krispyto server on port 0 over a fresh database of its own
//! (a temporary SQLite file, or a new PostgreSQL database on 127.0.0.1:5432), so tests run
//! in parallel and never see each other's data.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use krispyto::cache::CacheSettings;
use krispyto::http::{MarketTables, ResponseCache};
use krispyto::import::{self, source::Source, ImportReport, Progress};
use krispyto::startup::{AppConfig, Application, WriteSettings};
use krispyto::store::{Store, StoreOptions};

/// The PostgreSQL server tests create their databases on. Never skipped: when it cannot be
/// reached the tests fail and say how to start it.
pub fn postgres_admin_url() -> String {
    std::env::var("KRISPYTO_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// The real Kaggle data set, read in place from `../shared/data/kaggle-crypto`.
pub fn real_data_dir() -> PathBuf {
    std::env::var_os("KRISPYTO_REAL_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/kaggle-crypto")
        })
}

/// The Redis the cache tests use (each test keeps to its own key prefix and channel).
pub fn redis_url() -> String {
    std::env::var("KRISPYTO_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A key prefix (and channel name) no other test uses.
pub fn unique_redis_prefix(test: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "krispyto-test:{test}:{}:{}:{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        chrono::Utc::now().timestamp_micros()
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for one test and is removed after it.
pub struct TestDatabase {
    pub url: String,
    /// Keeps the SQLite file's directory alive.
    _dir: Option<tempfile::TempDir>,
    postgres_name: Option<String>,
}

impl TestDatabase {
    pub async fn new(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let url = format!("sqlite://{}", dir.path().join("krispyto.db").display());
                TestDatabase {
                    url,
                    _dir: Some(dir),
                    postgres_name: None,
                }
            }
            Backend::Postgres => {
                static COUNTER: AtomicU64 = AtomicU64::new(0);
                let name = format!(
                    "krispyto_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    chrono::Utc::now().timestamp_micros()
                );
                let admin = postgres_admin_url();
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
                    .await
                    .unwrap_or_else(|e| {
                        panic!(
                            "PostgreSQL at {admin} cannot be reached ({e}). The PostgreSQL tests need it: \
                             start it (see .ci/run) or set KRISPYTO_TEST_POSTGRES_URL."
                        )
                    });
                sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                    .execute(&mut conn)
                    .await
                    .expect("CREATE DATABASE");
                let base = admin
                    .rsplit_once('/')
                    .map_or(admin.as_str(), |(base, _)| base);
                TestDatabase {
                    url: format!("{base}/{name}"),
                    _dir: None,
                    postgres_name: Some(name),
                }
            }
        }
    }

    pub fn store_options(&self) -> StoreOptions {
        StoreOptions {
            database_url: self.url.clone(),
            max_connections: 5,
            acquire_timeout: Duration::from_secs(5),
        }
    }

    /// The same database for a second server, which does not remove it when dropped
    /// (`self` does); `self` must outlive it.
    pub fn shared(&self) -> TestDatabase {
        TestDatabase {
            url: self.url.clone(),
            _dir: None,
            postgres_name: None,
        }
    }

    /// A second, independent connection pool to the same database.
    pub async fn connect(&self) -> Store {
        Store::connect(&self.store_options())
            .await
            .expect("connect to the test database")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.postgres_name.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot block on itself: use a thread.
        let admin = postgres_admin_url();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime
                .block_on(async move {
                    let mut conn =
                        <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await?;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .execute(&mut conn)
                        .await?;
                    Ok::<_, sqlx::Error>(())
                })
                .map_err(std::io::Error::other)
        })
        .join();
    }
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// The server's own store, to inspect what it wrote.
    pub store: Store,
    /// The server's response cache: its statistics and data generation.
    pub cache: ResponseCache,
    /// The market tables' caches (their statistics).
    pub tables: MarketTables,
    pub db: TestDatabase,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_on(TestDatabase::new(backend).await, None).await
}

/// Starts a server on `db`, importing `data` first when the database is empty.
pub async fn spawn_app_on(db: TestDatabase, data: Option<String>) -> TestApp {
    spawn_app_configured(db, |config| config.data = data).await
}

/// Starts a server on a fresh database with the default settings changed by `tweak`
/// (cache, Redis, API keys, body limit, ...).
pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut AppConfig)) -> TestApp {
    spawn_app_configured(TestDatabase::new(backend).await, tweak).await
}

/// Starts a server on `db` with the default settings changed by `tweak`.
pub async fn spawn_app_configured(db: TestDatabase, tweak: impl FnOnce(&mut AppConfig)) -> TestApp {
    let mut config = AppConfig {
        addr: "127.0.0.1:0".into(),
        store: db.store_options(),
        data: None,
        cache: CacheSettings::default(),
        writes: WriteSettings::default(),
        server: krispyto::server::ServerSettings::default(),
        sync: None,
    };
    tweak(&mut config);
    let app = Application::build(config)
        .await
        .expect("the application builds");
    let address = format!("http://{}", app.local_addr());
    let store = app.store().clone();
    let cache = app.cache().clone();
    let tables = app.tables().clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // The bytes the server sends, as sent: reqwest's `gzip` feature (which sync
            // turns on) would otherwise ask for gzip and inflate every answer.
            .no_gzip()
            .build()
            .unwrap(),
        store,
        cache,
        tables,
        db,
        shutdown: Some(tx),
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl TestApp {
    pub async fn get(&self, path_and_query: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.address, path_and_query))
            .send()
            .await
            .expect("the request is answered")
    }

    /// GET, asserting the status, and the JSON body.
    pub async fn get_json(&self, path_and_query: &str, status: u16) -> serde_json::Value {
        let response = self.get(path_and_query).await;
        assert_eq!(response.status().as_u16(), status, "GET {path_and_query}");
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap_or_default().to_owned())
            .unwrap_or_default();
        assert!(
            content_type.starts_with("application/json"),
            "GET {path_and_query}: {content_type}"
        );
        response.json().await.expect("a JSON body")
    }

    /// GET, asserting a 200 and JSON, and the body.
    pub async fn get_ok(&self, path_and_query: &str) -> serde_json::Value {
        self.get_json(path_and_query, 200).await
    }

    /// The `error` message of a JSON error answer with `status`.
    pub async fn get_error(&self, path_and_query: &str, status: u16) -> String {
        let body = self.get_json(path_and_query, status).await;
        body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error message in {body}"))
            .to_owned()
    }

    /// The smallest data a route answers from: Bitcoin closing at 1, 2 and 3 on
    /// 2021-07-01 to 2021-07-03.
    pub async fn import_three_btc_days(&self) {
        self.import_files(&[(
            "coin_Bitcoin.csv",
            fixtures::coin_file("Bitcoin", "BTC", "2021-07-01", &[1.0, 2.0, 3.0]),
        )])
        .await
        .expect("three days of Bitcoin import");
    }

    /// Imports CSV files written into a temporary directory.
    pub async fn import_files(
        &self,
        files: &[(&str, String)],
    ) -> Result<ImportReport, import::ImportError> {
        let dir = tempfile::tempdir().unwrap();
        for (name, body) in files {
            std::fs::write(dir.path().join(name), body).unwrap();
        }
        let report = import::import(
            &self.store,
            &[Source::Path(dir.path().to_owned())],
            Progress::Hidden,
        )
        .await;
        self.data_changed().await;
        report
    }

    pub async fn import_real_data(&self) -> ImportReport {
        let report = import::import(
            &self.store,
            &[Source::Path(real_data_dir())],
            Progress::Hidden,
        )
        .await
        .expect("the real data imports");
        self.data_changed().await;
        report
    }

    /// Tells the server that its database changed behind its back (tests import straight into
    /// the store), as the write API does for its own writes, so the next read is not served
    /// from the cache of the previous generation. (A real `krispyto import` is seen by the
    /// periodic generation check, which a test must not wait for.)
    pub async fn data_changed(&self) {
        let generation = self.store.generation().await.expect("the data generation");
        self.cache.data_changed(generation).await;
    }
}

/// Builds small Kaggle-format CSV files for tests.
pub mod fixtures {
    use chrono::{Days, NaiveDate};

    pub const HEADER: &str = "SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap\n";

    /// One day's row in Kaggle format, with plausible OHLC around `close`.
    pub fn row(
        n: usize,
        name: &str,
        symbol: &str,
        date: NaiveDate,
        close: f64,
        market_cap: f64,
    ) -> String {
        format!(
            "{n},{name},{symbol},{date} 23:59:59,{high},{low},{open},{close},{volume},{market_cap}\n",
            high = close * 1.1,
            low = close * 0.9,
            open = close,
            volume = close * 1000.0,
        )
    }

    /// A coin file with one row per day from `start`, closing at each of `closes`.
    pub fn coin_file(name: &str, symbol: &str, start: &str, closes: &[f64]) -> String {
        let start = NaiveDate::parse_from_str(start, "%Y-%m-%d").unwrap();
        let mut body = HEADER.to_owned();
        for (i, close) in closes.iter().enumerate() {
            body.push_str(&row(
                i + 1,
                name,
                symbol,
                start + Days::new(i as u64),
                *close,
                close * 100.0,
            ));
        }
        body
    }
}

/// Declares `mod NAME { sqlite(), postgres() }` test pairs that run `NAME(Backend)` on each store.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            }
        )*
    };
}
