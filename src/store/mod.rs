//! Every SQL statement krispyto runs lives under this module: `sqlite.rs` and `postgres.rs`
//! hold the statements of each backend, and this file picks one from `DATABASE_URL` and
//! holds the logic both share (how an import is applied, how errors are classified).

pub mod database_url;
mod postgres;
mod sqlite;
mod write;

use std::time::Duration;

use chrono::{Datelike, Days, NaiveDate};
use futures::{Stream, TryStreamExt};
use sqlx::{PgPool, SqlitePool};

use crate::analytics::coins::PricePoint;
use crate::analytics::market_day::{MarketDay, Previous};
use crate::analytics::percent::AS_OF_MAX_AGE_DAYS;
use crate::domain::{CoinId, Currency, DailyRecord, Symbol};

pub use write::{CoinUpdate, WriteSummary};

/// Every statement that reads coins starts here, so the columns match `CurrencyRow`.
const SELECT_CURRENCY: &str = "SELECT id, name, symbol, coin_id FROM currency";

/// From this many rows in one write, a backend prepares a bulk load (drops and rebuilds
/// secondary indexes): below it, maintaining the indexes row by row is cheaper.
const BULK_LOAD_ROWS: usize = 200_000;

/// One coin, found by a unique column.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CurrencyKey<'a> {
    Id(i64),
    Symbol(&'a Symbol),
    Name(&'a str),
    CoinId(&'a CoinId),
}

impl CurrencyKey<'_> {
    /// `WHERE <column> = <placeholder>` for this key.
    fn condition(&self, placeholder: &str) -> String {
        let column = match self {
            CurrencyKey::Id(_) => "id",
            CurrencyKey::Symbol(_) => "symbol",
            CurrencyKey::Name(_) => "name",
            CurrencyKey::CoinId(_) => "coin_id",
        };
        format!("{SELECT_CURRENCY} WHERE {column} = {placeholder}")
    }
}

/// The database behind krispyto: SQLite (the embedded default) or PostgreSQL.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// How to open the store.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    pub database_url: String,
    pub max_connections: u32,
    /// How long a request waits for a free connection before it is answered with an error.
    pub acquire_timeout: Duration,
}

/// What went wrong in the store, classified for the callers that must tell users what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `DATABASE_URL` is malformed; the message names the wrong part, never the password.
    #[error("{0}")]
    UnsupportedUrl(String),
    /// The first connection failed: the message has the root cause and what to do.
    #[error("{0}")]
    Connect(String),
    #[error(
        "the database cannot be reached ({0}); check DATABASE_URL and that the database is running"
    )]
    Unavailable(#[source] sqlx::Error),
    #[error("{0}")]
    Conflict(String),
    #[error("migrating the database failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// A failure on a bulk path that steps SQLite directly (see `sqlite::stream_records`).
    #[error("database error: {0}")]
    Sqlite(#[source] rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        StoreError::Sqlite(error)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if is_unavailable(&error) {
            StoreError::Unavailable(error)
        } else {
            StoreError::Database(error)
        }
    }
}

/// Errors that mean "the database is not there right now", as opposed to a bad statement.
fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, database
            // dropped, too many connections. SQLite: the file cannot be opened.
            matches!(
                db.code().as_deref(),
                Some("57P01" | "57P02" | "57P03" | "3D000" | "53300" | "14")
            )
        }
        _ => false,
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A snapshot of the connection pool, for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

impl Store {
    /// Opens the database named by `options.database_url`, creating a SQLite file if missing.
    pub async fn connect(options: &StoreOptions) -> StoreResult<Store> {
        let url = options.database_url.trim();
        let result = match database_url::backend(url).map_err(StoreError::UnsupportedUrl)? {
            database_url::Backend::Sqlite => sqlite::connect(url, options).await.map(Store::Sqlite),
            database_url::Backend::Postgres => {
                postgres::connect(url, options).await.map(Store::Postgres)
            }
        };
        // Whatever a driver put in its message, the password does not get out.
        result.map_err(|error| match error {
            StoreError::UnsupportedUrl(message) => {
                StoreError::UnsupportedUrl(database_url::scrub(&message, url))
            }
            StoreError::Connect(message) => StoreError::Connect(database_url::scrub(&message, url)),
            other => StoreError::Connect(database_url::scrub(&other.to_string(), url)),
        })
    }

    /// "sqlite" or "postgres", for logs and metrics.
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// Applies the pending versioned migrations of this backend (`migrations/<backend>/`).
    pub async fn migrate(&self) -> StoreResult<()> {
        match self {
            Store::Sqlite(pool) => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
            Store::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        // Migration 0004 added coin ids and set the known ones; the others are slugs, which
        // are made here (SQLite has no regular expressions). A no-op once every coin has one.
        match self {
            Store::Sqlite(pool) => sqlite::fill_missing_coin_ids(pool).await?,
            Store::Postgres(pool) => postgres::fill_missing_coin_ids(pool).await?,
        }
        // Migration 0007 made `market_day` empty: filled here, exactly as writes keep it (in
        // Rust, from each coin's history), once. A no-op when it holds rows or there are none.
        let started = std::time::Instant::now();
        let filled = match self {
            Store::Sqlite(pool) => {
                write::fill_market_days(sqlite::Writer::begin(pool).await?).await?
            }
            Store::Postgres(pool) => {
                let filled = write::fill_market_days(postgres::Writer::begin(pool).await?).await?;
                if filled {
                    postgres::after_write(pool, usize::MAX).await;
                }
                filled
            }
        };
        if filled {
            tracing::info!(
                seconds = started.elapsed().as_secs_f64(),
                "filled market_day from the stored records"
            );
        }
        Ok(())
    }

    /// Every selected coin's [`MarketDay`] of `day` (coins with a record that day; every
    /// coin when `currency_ids` is `None`), ordered by coin id: one key range of table
    /// `market_day`, whatever the number of coins.
    pub async fn market_days(
        &self,
        day: NaiveDate,
        currency_ids: Option<&[i64]>,
    ) -> StoreResult<Vec<MarketDay>> {
        if currency_ids.is_some_and(|ids| ids.is_empty()) {
            return Ok(Vec::new());
        }
        match self {
            Store::Sqlite(pool) => sqlite::market_days(pool, day, currency_ids).await,
            Store::Postgres(pool) => postgres::market_days(pool, day, currency_ids).await,
        }
    }

    /// Checks that a connection can be had and answers a trivial query.
    pub async fn ping(&self) -> StoreResult<()> {
        match self {
            Store::Sqlite(pool) => sqlx::query("SELECT 1").execute(pool).await?,
            Store::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
                return Ok(());
            }
        };
        Ok(())
    }

    /// How many connections the pool holds open, how many of those are idle, and its maximum.
    pub fn pool_usage(&self) -> PoolUsage {
        let (open, idle, max) = match self {
            Store::Sqlite(pool) => (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            ),
            Store::Postgres(pool) => (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            ),
        };
        PoolUsage {
            open,
            idle: u32::try_from(idle).unwrap_or(u32::MAX),
            max,
        }
    }

    /// Closes every connection. On SQLite the idle ones are closed one after the other: the
    /// last connection to a file folds the WAL into the database and deletes it, but two
    /// closing at once each see the other still open and both leave it (a one-off command's
    /// `-wal` file was left behind now and then).
    pub async fn close(&self) {
        match self {
            Store::Sqlite(pool) => {
                sqlite::close_idle_connections(pool).await;
                pool.close().await
            }
            Store::Postgres(pool) => pool.close().await,
        }
    }

    /// Every coin, ordered by id.
    pub async fn currencies(&self) -> StoreResult<Vec<Currency>> {
        match self {
            Store::Sqlite(pool) => sqlite::currencies(pool).await,
            Store::Postgres(pool) => postgres::currencies(pool).await,
        }
    }

    /// The coin with `symbol`, if there is one: one indexed lookup, not a scan of every coin.
    pub async fn currency_by_symbol(&self, symbol: &Symbol) -> StoreResult<Option<Currency>> {
        self.currency(CurrencyKey::Symbol(symbol)).await
    }

    /// The coin with database id `id`, if there is one.
    pub async fn currency_by_id(&self, id: i64) -> StoreResult<Option<Currency>> {
        self.currency(CurrencyKey::Id(id)).await
    }

    async fn currency(&self, key: CurrencyKey<'_>) -> StoreResult<Option<Currency>> {
        match self {
            Store::Sqlite(pool) => sqlite::currency(pool, key).await,
            Store::Postgres(pool) => postgres::currency(pool, key).await,
        }
    }

    /// The first and last day that has any record, or `None` when there is no data yet.
    pub async fn date_range(&self) -> StoreResult<Option<(NaiveDate, NaiveDate)>> {
        match self {
            Store::Sqlite(pool) => sqlite::date_range(pool).await,
            Store::Postgres(pool) => postgres::date_range(pool).await,
        }
    }

    /// The records dated on any of `days`, for the given coins (every coin when `None`),
    /// ordered by coin, then date. One query whatever the number of coins, over `market_day`'s
    /// (date, currency_id) key; it reads in that order and sorts here (PostgreSQL's sort of
    /// 26,000 rows took as long as reading them).
    pub async fn records_on_days(
        &self,
        currency_ids: Option<&[i64]>,
        days: &[NaiveDate],
    ) -> StoreResult<Vec<(i64, DailyRecord)>> {
        if days.is_empty() || currency_ids.is_some_and(|ids| ids.is_empty()) {
            return Ok(Vec::new());
        }
        let mut rows = match self {
            Store::Sqlite(pool) => sqlite::records_on_days(pool, currency_ids, days).await?,
            Store::Postgres(pool) => postgres::records_on_days(pool, currency_ids, days).await?,
        };
        rows.sort_unstable_by_key(|(id, r)| (*id, r.date()));
        Ok(rows)
    }

    /// What the as-of changes over `lookbacks` days from `day` need (the rule of
    /// `analytics::percent::as_of`): for every selected coin with a record on `day`, that
    /// record, and for each lookback the record on the reference day, or, when there is none,
    /// the records of the [`AS_OF_MAX_AGE_DAYS`] days before it. Ordered by coin, then date.
    ///
    /// The answer is the same as from `records_on_days(reference_window(day, lookbacks))`,
    /// for a third of the rows: the reference day itself nearly always has a record, so the
    /// first query asks for the exact days only (1 + lookbacks days × every coin, instead of
    /// 1 + 4 × lookbacks), and a second one, only when some coin misses a reference day, asks
    /// for the days before it for those coins alone.
    pub async fn records_for_changes(
        &self,
        currency_ids: Option<&[i64]>,
        day: NaiveDate,
        lookbacks: &[u64],
    ) -> StoreResult<Vec<(i64, DailyRecord)>> {
        let references: Vec<NaiveDate> = lookbacks
            .iter()
            .filter_map(|back| day.checked_sub_days(Days::new(*back)))
            .collect();
        let mut exact = references.clone();
        exact.push(day);
        exact.sort_unstable();
        exact.dedup();
        let mut rows = self.records_on_days(currency_ids, &exact).await?;

        // The coins with a record on `day` that miss a reference day, and the days to fetch.
        let mut missing: Vec<i64> = Vec::new();
        let mut fallback: Vec<NaiveDate> = Vec::new();
        for coin in rows.chunk_by(|a, b| a.0 == b.0) {
            if !coin.iter().any(|(_, r)| r.date() == day) {
                continue;
            }
            let mut misses = false;
            for reference in &references {
                if coin.iter().all(|(_, r)| r.date() != *reference) {
                    misses = true;
                    fallback.extend(
                        (1..=AS_OF_MAX_AGE_DAYS)
                            .filter_map(|age| reference.checked_sub_days(Days::new(age))),
                    );
                }
            }
            if misses {
                missing.push(coin[0].0);
            }
        }
        if !missing.is_empty() {
            fallback.sort_unstable();
            fallback.dedup();
            fallback.retain(|d| exact.binary_search(d).is_err());
            rows.extend(self.records_on_days(Some(&missing), &fallback).await?);
            rows.sort_unstable_by_key(|(id, r)| (*id, r.date()));
        }
        Ok(rows)
    }

    /// Each coin's first and last day and number of records (coins with records only),
    /// for the given coins (every coin when `None`), ordered by coin id. One grouped query.
    pub async fn coin_spans(&self, currency_ids: Option<&[i64]>) -> StoreResult<Vec<CoinSpan>> {
        if currency_ids.is_some_and(|ids| ids.is_empty()) {
            return Ok(Vec::new());
        }
        match self {
            Store::Sqlite(pool) => sqlite::coin_spans(pool, currency_ids).await,
            Store::Postgres(pool) => postgres::coin_spans(pool, currency_ids).await,
        }
    }

    /// The records of the given coins dated `from..=to` (either bound open when `None`),
    /// ordered by coin, then date. One query whatever the number of coins.
    pub async fn records_between(
        &self,
        currency_ids: &[i64],
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> StoreResult<Vec<(i64, DailyRecord)>> {
        if currency_ids.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Store::Sqlite(pool) => sqlite::records_between(pool, currency_ids, from, to).await,
            Store::Postgres(pool) => postgres::records_between(pool, currency_ids, from, to).await,
        }
    }

    /// Every coin's market cap on `day` (coins with a record that day), by coin id: what a
    /// rank needs when the records fetched are only those of a few coins.
    pub async fn market_caps_on(&self, day: NaiveDate) -> StoreResult<Vec<(i64, f64)>> {
        match self {
            Store::Sqlite(pool) => sqlite::market_caps_on(pool, day).await,
            Store::Postgres(pool) => postgres::market_caps_on(pool, day).await,
        }
    }

    /// Makes "is the database empty? then import" one step among servers starting together
    /// on one database (compose's replicas, all with `--data`): the first to take the lock
    /// imports, the others wait for it and then find the records. PostgreSQL: an advisory
    /// lock, held until `SeedLock::release` or until the lock is dropped (its connection
    /// closes). SQLite: nothing to take, a SQLite file is served by one process.
    pub async fn lock_seed(&self) -> StoreResult<SeedLock> {
        match self {
            Store::Sqlite(_) => Ok(SeedLock(None)),
            Store::Postgres(pool) => Ok(SeedLock(Some(postgres::lock_seed(pool).await?))),
        }
    }

    /// Each coin's highest and lowest daily close on or before `up_to`, each reached earliest,
    /// for the given coins (every coin when `None`), ordered by coin id: the coins with a
    /// record by then whose records reach `up_to`'s month (every coin with a record on
    /// `up_to`, which is what the callers ask about). One query over what every write keeps
    /// precomputed (migration 0006: both extremes as of the first of every month, and the
    /// days they moved), not two index probes per coin.
    pub async fn close_extremes(
        &self,
        currency_ids: Option<&[i64]>,
        up_to: NaiveDate,
    ) -> StoreResult<Vec<CloseExtremes>> {
        if currency_ids.is_some_and(|ids| ids.is_empty()) {
            return Ok(Vec::new());
        }
        match self {
            Store::Sqlite(pool) => sqlite::close_extremes(pool, currency_ids, up_to).await,
            Store::Postgres(pool) => postgres::close_extremes(pool, currency_ids, up_to).await,
        }
    }

    /// Whether the database holds any record (one probe; `record_count` counts them all).
    pub async fn holds_records(&self) -> StoreResult<bool> {
        match self {
            Store::Sqlite(pool) => sqlite::holds_records(pool).await,
            Store::Postgres(pool) => postgres::holds_records(pool).await,
        }
    }

    /// The number of record rows, all coins together.
    pub async fn record_count(&self) -> StoreResult<i64> {
        match self {
            Store::Sqlite(pool) => sqlite::record_count(pool).await,
            Store::Postgres(pool) => postgres::record_count(pool).await,
        }
    }

    /// The data generation: bumped by every change to currencies or records.
    pub async fn generation(&self) -> StoreResult<i64> {
        match self {
            Store::Sqlite(pool) => sqlite::generation(pool).await,
            Store::Postgres(pool) => postgres::generation(pool).await,
        }
    }

    /// The records of the selected coins, ordered by coin id then date, read by one query
    /// whose rows are decoded as they arrive and handed over in batches of
    /// [`STREAM_BATCH_ROWS`]: memory stays constant however many rows there are (an export
    /// of millions of rows). The query runs in a task of its own, so reading the database and
    /// writing out the previous batch overlap; at most [`STREAM_BATCHES_IN_FLIGHT`] batches wait
    /// to be taken. Dropping the stream (a client that hangs up) stops the query.
    pub fn stream_records(
        &self,
        selection: RecordSelection,
    ) -> impl Stream<Item = StoreResult<Vec<(i64, DailyRecord)>>> + Send + 'static {
        let (sender, receiver) = tokio::sync::mpsc::channel(STREAM_BATCHES_IN_FLIGHT);
        let store = self.clone();
        tokio::spawn(async move {
            let result = match &store {
                Store::Sqlite(pool) => sqlite::stream_records(pool, &selection, &sender).await,
                Store::Postgres(pool) => postgres::stream_records(pool, &selection, &sender).await,
            };
            if let Err(error) = result {
                // The receiver may be gone already; then nobody is left to tell.
                let _ = sender.send(Err(error)).await;
            }
        });
        futures::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|batch| (batch, receiver))
        })
    }

    /// The right to run a periodic sync: on PostgreSQL a session-level advisory lock, so that
    /// of several replicas on one database only one syncs at a time (`None`: another holds
    /// it). On SQLite there is one server per file, so it is always granted.
    pub async fn try_sync_lock(&self) -> StoreResult<Option<SyncLock>> {
        match self {
            Store::Sqlite(_) => Ok(Some(SyncLock(None))),
            Store::Postgres(pool) => Ok(postgres::try_advisory_lock(pool, SYNC_LOCK_KEY)
                .await?
                .map(|conn| SyncLock(Some(conn)))),
        }
    }

    /// Creates or renames the given coins and upserts their records, all in one
    /// transaction: either everything is written or nothing is.
    pub async fn apply(&self, updates: &[CoinUpdate]) -> StoreResult<WriteSummary> {
        self.apply_in(updates, false).await
    }

    /// [`Store::apply`] when nothing else in this process uses the database meanwhile (a
    /// one-off command, a server before it listens). SQLite may then load a database without
    /// records outside its WAL (`sqlite::apply`); PostgreSQL writes as always.
    pub async fn apply_offline(&self, updates: &[CoinUpdate]) -> StoreResult<WriteSummary> {
        self.apply_in(updates, true).await
    }

    async fn apply_in(&self, updates: &[CoinUpdate], offline: bool) -> StoreResult<WriteSummary> {
        match self {
            Store::Sqlite(pool) => sqlite::apply(pool, updates, offline).await,
            Store::Postgres(pool) => {
                let summary = write::apply(postgres::Writer::begin(pool).await?, updates).await?;
                postgres::after_write(pool, summary.inserted).await;
                Ok(summary)
            }
        }
    }
}

/// The first day of `day`'s month.
fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).expect("every month has a first day")
}

/// A row of the close extremes' read: a month start (both extremes set) or a step (the
/// extremes it moved set): (coin, highest, its date, lowest, its date).
type CloseRow = (
    i64,
    Option<f64>,
    Option<NaiveDate>,
    Option<f64>,
    Option<NaiveDate>,
);

/// Per coin, the highest and the lowest with the latest date, ordered by coin id: the
/// extremes from rows that each hold a coin's extremes as of some day on or before the day
/// asked for (a month start and the steps after it). A coin needs both to be listed.
fn latest_extremes_per_coin(rows: Vec<CloseRow>) -> Vec<CloseExtremes> {
    type Latest = (Option<(f64, NaiveDate)>, Option<(f64, NaiveDate)>);
    let later =
        |kept: &mut Option<(f64, NaiveDate)>, value: Option<f64>, date: Option<NaiveDate>| {
            if let Some(found) = value.zip(date) {
                if kept.is_none_or(|k| found.1 > k.1) {
                    *kept = Some(found);
                }
            }
        };
    let mut latest: std::collections::BTreeMap<i64, Latest> = Default::default();
    for (currency_id, highest, highest_date, lowest, lowest_date) in rows {
        let entry = latest.entry(currency_id).or_default();
        later(&mut entry.0, highest, highest_date);
        later(&mut entry.1, lowest, lowest_date);
    }
    latest
        .into_iter()
        .filter_map(|(currency_id, (high, low))| {
            let ((highest, highest_date), (lowest, lowest_date)) = high.zip(low)?;
            Some(CloseExtremes {
                currency_id,
                highest,
                highest_date,
                lowest,
                lowest_date,
            })
        })
        .collect()
}

/// The startup import's lock (see `Store::lock_seed`).
#[must_use = "the lock is released when dropped"]
pub struct SeedLock(Option<sqlx::PgConnection>);

impl SeedLock {
    /// Releases the lock for the next server.
    pub async fn release(self) -> StoreResult<()> {
        match self.0 {
            Some(connection) => postgres::unlock_seed(connection).await,
            None => Ok(()),
        }
    }
}

/// The advisory lock key of the periodic sync ("krispyto sync" in ASCII, as a number no other
/// application is likely to pick).
const SYNC_LOCK_KEY: i64 = 0x6B72_6973_7379_6E63;

/// Held while a periodic sync runs (see [`Store::try_sync_lock`]). The lock lives in a
/// connection of its own, outside the pool: if this is dropped without `release`, closing the
/// connection ends the session, and PostgreSQL releases the lock with it.
pub struct SyncLock(Option<sqlx::PgConnection>);

impl SyncLock {
    /// Releases the lock (closes its connection).
    pub async fn release(self) {
        if let Some(conn) = self.0 {
            postgres::release_advisory_lock(conn, SYNC_LOCK_KEY).await;
        }
    }
}

/// Which records [`Store::stream_records`] reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordSelection {
    /// These coins only (by id); every coin when `None`.
    pub currency_ids: Option<Vec<i64>>,
    /// First and last day, each bound open when `None`.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Rows per batch of [`Store::stream_records`]: large enough that handing a batch over costs
/// nothing per row, small enough (~60 KB) that a few in flight are no memory at all.
pub const STREAM_BATCH_ROWS: usize = 1_024;

/// Batches read ahead of the consumer before the query waits for it.
pub const STREAM_BATCHES_IN_FLIGHT: usize = 4;

/// Where a streaming query sends its batches.
type BatchSender = tokio::sync::mpsc::Sender<StoreResult<Vec<(i64, DailyRecord)>>>;

/// Decodes `rows` into batches and sends them on; stops early, without error, when the
/// receiver is gone (nobody wants the rest).
async fn forward_batches<S>(mut rows: S, sender: &BatchSender) -> StoreResult<()>
where
    S: Stream<Item = Result<RecordRow, sqlx::Error>> + Unpin,
{
    let mut batch = Vec::with_capacity(STREAM_BATCH_ROWS);
    while let Some(row) = rows.try_next().await? {
        batch.push(row.into_pair()?);
        if batch.len() == STREAM_BATCH_ROWS {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(STREAM_BATCH_ROWS));
            if sender.send(Ok(full)).await.is_err() {
                return Ok(());
            }
        }
    }
    if !batch.is_empty() {
        let _ = sender.send(Ok(batch)).await;
    }
    Ok(())
}

/// The days a coin's records cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoinSpan {
    pub currency_id: i64,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    /// The number of records (days with data; gaps are not counted).
    pub days: i64,
}

/// A coin's highest and lowest daily close up to some day, each with the earliest day it
/// was reached.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CloseExtremes {
    pub currency_id: i64,
    pub highest: f64,
    pub highest_date: NaiveDate,
    pub lowest: f64,
    pub lowest_date: NaiveDate,
}

/// The ids to give the coins (id, name, stored id) that have none, taking care that every id
/// stays unique.
fn missing_coin_ids(coins: Vec<(i64, String, Option<String>)>) -> Vec<(i64, CoinId)> {
    let mut taken: std::collections::HashSet<String> =
        coins.iter().filter_map(|(_, _, id)| id.clone()).collect();
    let mut assigned = Vec::new();
    for (id, name, stored) in coins {
        if stored.is_none() {
            let coin_id = CoinId::for_name(&name, |candidate| taken.contains(candidate));
            taken.insert(coin_id.as_str().to_owned());
            assigned.push((id, coin_id));
        }
    }
    assigned
}

/// A record row as read back from either backend: every statement selects
/// `currency_id, date, open, high, low, close, volume, marketcap`, in that order.
struct RecordRow {
    currency_id: i64,
    date: NaiveDate,
    open: f64,
    high: f64,
    low: f64,
    close: f64,
    volume: f64,
    marketcap: f64,
}

impl RecordRow {
    /// Rows as `(currency id, record)` pairs, each checked by `into_pair`.
    fn into_pairs(rows: Vec<RecordRow>) -> StoreResult<Vec<(i64, DailyRecord)>> {
        rows.into_iter().map(RecordRow::into_pair).collect()
    }

    /// One coin's rows as records.
    fn into_records(rows: Vec<RecordRow>) -> StoreResult<Vec<DailyRecord>> {
        rows.into_iter()
            .map(|row| row.into_pair().map(|(_, record)| record))
            .collect()
    }

    /// The stored row as a record, checked like any other: only checked records are ever
    /// written, so a refusal here means the database was changed behind krispyto's back.
    fn into_pair(self) -> StoreResult<(i64, DailyRecord)> {
        let record = DailyRecord::new(
            self.date.into(),
            self.open,
            self.high,
            self.low,
            self.close,
            self.volume,
            self.marketcap,
        )
        .map_err(|violation| {
            StoreError::Conflict(format!(
                "a stored record of currency {} on {} is not valid: {}",
                self.currency_id, self.date, violation.reason
            ))
        })?;
        Ok((self.currency_id, record))
    }
}

/// The columns every read of `market_day` selects, in the order [`MarketDayRow`] decodes.
const MARKET_DAY_COLUMNS: &str = "currency_id, date, open, high, low, close, volume, marketcap, \
     close_1d, close_7d, close_30d, close_90d, close_365d, previous_close, previous_marketcap, \
     ath, ath_date, highest_close, highest_close_date, lowest_close, lowest_close_date";

/// A `market_day` row as read back (see [`MARKET_DAY_COLUMNS`]).
struct MarketDayRow {
    record: RecordRow,
    reference_closes: [Option<f64>; 5],
    previous_close: Option<f64>,
    previous_market_cap: Option<f64>,
    ath: PricePoint,
    highest_close: PricePoint,
    lowest_close: PricePoint,
}

impl MarketDayRow {
    fn into_market_day(self) -> StoreResult<MarketDay> {
        let (currency_id, record) = self.record.into_pair()?;
        Ok(MarketDay {
            currency_id,
            record,
            reference_closes: self.reference_closes,
            previous: self
                .previous_close
                .zip(self.previous_market_cap)
                .map(|(close, market_cap)| Previous { close, market_cap }),
            ath: self.ath,
            highest_close: self.highest_close,
            lowest_close: self.lowest_close,
        })
    }
}

/// A coin as read back by [`SELECT_CURRENCY`] (`id, name, symbol, coin_id`, in that order).
struct CurrencyRow {
    id: i64,
    name: String,
    symbol: String,
    /// Set on every row once `Store::migrate` has run.
    coin_id: Option<String>,
}

/// `FromRow` for both backends, reading columns by position. The derive reads them by name,
/// and sqlx finds a name in a hash map of the statement's columns: at 26,000 rows × 8 columns
/// a request, those lookups (`HashMap::get_inner`, `memcmp`, `ColumnIndex<&str>`) were the
/// largest share of the server's CPU in a profile of `/api/v3/coins/markets`.
macro_rules! from_row_by_position {
    ($($row:ty),+) => {$(
        impl<'r> sqlx::FromRow<'r, $row> for RecordRow {
            fn from_row(row: &'r $row) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok(RecordRow {
                    currency_id: row.try_get(0)?,
                    date: row.try_get(1)?,
                    open: row.try_get(2)?,
                    high: row.try_get(3)?,
                    low: row.try_get(4)?,
                    close: row.try_get(5)?,
                    volume: row.try_get(6)?,
                    marketcap: row.try_get(7)?,
                })
            }
        }

        impl<'r> sqlx::FromRow<'r, $row> for MarketDayRow {
            fn from_row(row: &'r $row) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                let point = |price: usize| -> Result<PricePoint, sqlx::Error> {
                    Ok(PricePoint {
                        price: row.try_get(price)?,
                        date: row.try_get(price + 1)?,
                    })
                };
                Ok(MarketDayRow {
                    record: RecordRow::from_row(row)?,
                    reference_closes: [
                        row.try_get(8)?,
                        row.try_get(9)?,
                        row.try_get(10)?,
                        row.try_get(11)?,
                        row.try_get(12)?,
                    ],
                    previous_close: row.try_get(13)?,
                    previous_market_cap: row.try_get(14)?,
                    ath: point(15)?,
                    highest_close: point(17)?,
                    lowest_close: point(19)?,
                })
            }
        }

        impl<'r> sqlx::FromRow<'r, $row> for CurrencyRow {
            fn from_row(row: &'r $row) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok(CurrencyRow {
                    id: row.try_get(0)?,
                    name: row.try_get(1)?,
                    symbol: row.try_get(2)?,
                    coin_id: row.try_get(3)?,
                })
            }
        }
    )+};
}
from_row_by_position!(sqlx::postgres::PgRow, sqlx::sqlite::SqliteRow);

/// The backend functions whose Rust is the same on both backends, given the backend's pool
/// and database types, how its first bound parameter is written and the SQL that sets a
/// coin's id. Each backend module expands it once
/// (why a macro: see `common_writes`).
macro_rules! common_functions {
    (
        $pool:ty,
        $db:ty,
        first_placeholder: $first_placeholder:literal,
        set_coin_id: $set_coin_id:literal $(,)?
    ) => {
        /// One coin by a unique column, in the pool or in a transaction.
        pub(super) async fn currency<'e>(
            executor: impl sqlx::Executor<'e, Database = $db>,
            key: CurrencyKey<'_>,
        ) -> StoreResult<Option<Currency>> {
            let sql = key.condition($first_placeholder);
            let query = sqlx::query_as::<_, CurrencyRow>(&sql);
            let query = match key {
                CurrencyKey::Id(id) => query.bind(id),
                CurrencyKey::Symbol(symbol) => query.bind(symbol.as_str()),
                CurrencyKey::Name(name) => query.bind(name),
                CurrencyKey::CoinId(coin_id) => query.bind(coin_id.as_str()),
            };
            query
                .fetch_optional(executor)
                .await?
                .map(CurrencyRow::into_currency)
                .transpose()
        }

        /// Whether any record is stored: one probe, not a count.
        pub(super) async fn holds_records<'e>(
            executor: impl sqlx::Executor<'e, Database = $db>,
        ) -> StoreResult<bool> {
            Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM record)")
                .fetch_one(executor)
                .await?)
        }

        pub(super) async fn record_count(pool: &$pool) -> StoreResult<i64> {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM record")
                .fetch_one(pool)
                .await?)
        }

        pub(super) async fn generation(pool: &$pool) -> StoreResult<i64> {
            Ok(
                sqlx::query_scalar("SELECT generation FROM data_generation WHERE id = 1")
                    .fetch_one(pool)
                    .await?,
            )
        }

        /// Gives every coin without an id one (see `CoinId::for_name`), in id order, in
        /// `tx` (which holds the backend's lock against a concurrent start), and commits.
        async fn assign_missing_coin_ids(mut tx: sqlx::Transaction<'_, $db>) -> StoreResult<()> {
            let coins: Vec<(i64, String, Option<String>)> =
                sqlx::query_as("SELECT id, name, coin_id FROM currency ORDER BY id")
                    .fetch_all(&mut *tx)
                    .await?;
            for (id, coin_id) in missing_coin_ids(coins) {
                sqlx::query($set_coin_id)
                    .bind(coin_id.as_str())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        }
    };
}
use common_functions;

/// The [`write::WriteTransaction`] methods whose Rust is the same on both backends, around
/// SQL text given per dialect (placeholders `$1` or `?1`); statements without placeholders
/// are the same text on both. Each backend's `Writer` (a `tx` field, a `currency` function
/// of its own) expands it inside its `impl WriteTransaction`. A macro rather than generic
/// functions over `sqlx::Database`: those need a bound for every type bound and for the
/// executor, while the expansion keeps each backend's types concrete.
macro_rules! common_writes {
    (
        insert_currency: $insert_currency:literal,
        set_coin_id: $set_coin_id:literal,
        rename_currency: $rename_currency:literal,
        records_of: $records_of:literal,
        move_digest_generation: $move_digest_generation:literal $(,)?
    ) => {
        async fn currency(&mut self, key: CurrencyKey<'_>) -> StoreResult<Option<Currency>> {
            currency(&mut *self.tx, key).await
        }

        async fn insert_currency(
            &mut self,
            symbol: &Symbol,
            name: &str,
            coin_id: &CoinId,
        ) -> StoreResult<i64> {
            Ok(sqlx::query_scalar($insert_currency)
                .bind(name)
                .bind(symbol.as_str())
                .bind(coin_id.as_str())
                .fetch_one(&mut *self.tx)
                .await?)
        }

        async fn set_coin_id(&mut self, id: i64, coin_id: &CoinId) -> StoreResult<()> {
            sqlx::query($set_coin_id)
                .bind(coin_id.as_str())
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
            Ok(())
        }

        async fn rename_currency(&mut self, id: i64, name: &str) -> StoreResult<()> {
            sqlx::query($rename_currency)
                .bind(name)
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
            Ok(())
        }

        async fn records_of(
            &mut self,
            currency_id: i64,
            from: NaiveDate,
            to: NaiveDate,
        ) -> StoreResult<Vec<DailyRecord>> {
            sqlx::query_as::<_, RecordRow>($records_of)
                .bind(currency_id)
                .bind(from)
                .bind(to)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(StoreError::from)
                .and_then(RecordRow::into_records)
        }

        async fn coin_digests(&mut self) -> StoreResult<Vec<StoredDigest>> {
            let rows: Vec<(i64, i64, Vec<u8>, i64)> =
                sqlx::query_as("SELECT currency_id, records, sha256, generation FROM coin_digest")
                    .fetch_all(&mut *self.tx)
                    .await?;
            Ok(rows
                .into_iter()
                .map(|(currency_id, records, sha256, generation)| StoredDigest {
                    currency_id,
                    digest: CoinDigest { records, sha256 },
                    generation,
                })
                .collect())
        }

        async fn move_digest_generation(&mut self, from: i64, to: i64) -> StoreResult<()> {
            sqlx::query($move_digest_generation)
                .bind(to)
                .bind(from)
                .execute(&mut *self.tx)
                .await?;
            Ok(())
        }

        async fn market_days_missing(&mut self) -> StoreResult<bool> {
            Ok(sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM record) AND NOT EXISTS (SELECT 1 FROM market_day)",
            )
            .fetch_one(&mut *self.tx)
            .await?)
        }

        async fn currency_ids(&mut self) -> StoreResult<Vec<i64>> {
            Ok(sqlx::query_scalar("SELECT id FROM currency ORDER BY id")
                .fetch_all(&mut *self.tx)
                .await?)
        }

        async fn holds_records(&mut self) -> StoreResult<bool> {
            holds_records(&mut *self.tx).await
        }

        async fn bump_generation(&mut self) -> StoreResult<i64> {
            Ok(sqlx::query_scalar(
                "UPDATE data_generation SET generation = generation + 1 WHERE id = 1 \
                 RETURNING generation",
            )
            .fetch_one(&mut *self.tx)
            .await?)
        }

        async fn current_generation(&mut self) -> StoreResult<i64> {
            Ok(
                sqlx::query_scalar("SELECT generation FROM data_generation WHERE id = 1")
                    .fetch_one(&mut *self.tx)
                    .await?,
            )
        }

        async fn commit(self) -> StoreResult<()> {
            Ok(self.tx.commit().await?)
        }
    };
}
use common_writes;

impl CurrencyRow {
    fn into_currency(self) -> StoreResult<Currency> {
        let symbol = Symbol::parse(&self.symbol).map_err(|reason| {
            StoreError::Conflict(format!(
                "stored currency {} has a bad symbol: {reason}",
                self.id
            ))
        })?;
        let coin_id = match self.coin_id {
            Some(id) => CoinId::from_stored(id),
            None => CoinId::for_name(&self.name, |_| false),
        };
        Ok(Currency {
            id: self.id,
            name: self.name,
            symbol,
            coin_id,
        })
    }
}
