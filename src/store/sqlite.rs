//! SQLite statements. Dates are stored as `YYYY-MM-DD` text.

use std::str::FromStr;

use chrono::NaiveDate;
use rusqlite::types::Value;
use sqlx::pool::PoolConnection;
use sqlx::query_builder::Separated;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection, SqlitePool, Transaction};

use super::write::{self, CloseRows, CoinDigest, StoredDigest, WriteTransaction};
use super::{
    missing_coin_ids, BatchSender, CloseExtremes, CoinSpan, CoinUpdate, CurrencyKey, CurrencyRow,
    MarketDayRow, RecordRow, RecordSelection, StoreError, StoreOptions, StoreResult, WriteSummary,
    BULK_LOAD_ROWS, MARKET_DAY_COLUMNS, SELECT_CURRENCY,
};
use crate::analytics::coins::PricePoint;
use crate::analytics::market_day::MarketDay;
use crate::domain::{iso_date, CoinId, Currency, DailyRecord, RecordDate, Symbol};

/// SQLite allows 32,766 bound values per statement; a record row binds 8.
const INSERT_BATCH_ROWS: usize = 4_000;

/// A `market_day` row binds 21 values.
const MARKET_DAY_BATCH_ROWS: usize = 1_500;

/// The tables a bulk load defers the secondary indexes of.
const BULK_TABLES: &str = "'record', 'market_day'";

/// How long a statement waits for another connection's lock before failing.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The page cache while a bulk load builds its indexes, in KiB (see `Writer::finish_bulk`).
const BULK_CACHE_KIB: i64 = 256 * 1024;

pub(super) async fn connect(url: &str, options: &StoreOptions) -> StoreResult<SqlitePool> {
    let connect = SqliteConnectOptions::from_str(url)
        .map_err(|error| {
            StoreError::UnsupportedUrl(format!("DATABASE_URL ({url}) is not valid: {error}"))
        })?
        .create_if_missing(true)
        // WAL lets readers go on while an import writes; NORMAL is durable across
        // application crashes, which is what a WAL database needs.
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT);
    let path = connect.get_filename().display().to_string();
    SqlitePoolOptions::new()
        .max_connections(options.max_connections)
        .acquire_timeout(options.acquire_timeout)
        .connect_with(connect)
        .await
        .map_err(|error| {
            StoreError::Connect(format!(
                "cannot open the SQLite database {path}: {error}; check that its directory \
                 exists and is writable"
            ))
        })
}

pub(super) async fn currencies(pool: &SqlitePool) -> StoreResult<Vec<Currency>> {
    // Every coin (2,000 at scale) on every /api/v1/stats and dashboard request: stepped
    // directly, like the record reads (see `read_direct`).
    let sql = format!("{SELECT_CURRENCY} ORDER BY id");
    query_direct(pool, sql, Vec::new(), |row| {
        CurrencyRow {
            id: row.get(0)?,
            name: row.get(1)?,
            symbol: row.get(2)?,
            coin_id: row.get(3)?,
        }
        .into_currency()
    })
    .await
}

/// Every row of `sql` run with `params`, each decoded by `decode`, through [`read_direct`].
async fn query_direct<T: Send + 'static>(
    pool: &SqlitePool,
    sql: String,
    params: Vec<Value>,
    decode: fn(&rusqlite::Row<'_>) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    read_direct(pool, move |db| {
        let mut statement = db.prepare(&sql)?;
        let mut rows = statement.query(rusqlite::params_from_iter(params))?;
        let mut decoded = Vec::new();
        while let Some(row) = rows.next()? {
            decoded.push(decode(row)?);
        }
        Ok(decoded)
    })
    .await
}

/// Appends `(?, ?, ...)` with one placeholder per id to `sql`, and the ids to `params`.
fn push_id_params(sql: &mut String, params: &mut Vec<Value>, ids: &[i64]) {
    sql.push('(');
    for (index, id) in ids.iter().enumerate() {
        sql.push_str(if index == 0 { "?" } else { ", ?" });
        params.push(Value::Integer(*id));
    }
    sql.push(')');
}

/// Runs `read` on one of the pool's connections, through rusqlite, on a blocking thread.
///
/// sqlx's SQLite driver steps a statement on the connection's worker thread and sends every
/// row through a channel to the async side, each value copied into an allocation of its own:
/// at 3,650 rows (one coin's history) the hand-overs, thread wake-ups and allocations were
/// ~85 % of the server's CPU time and SQLite itself ~12 % (perf, docs/benchmarks.md), and the
/// read took 10-20 ms where SQLite needs ~1.5 ms. Here the rows are decoded where they are
/// stepped and only the result crosses back. The connection comes from the pool as for any
/// query, so the pool still bounds concurrent reads (and its acquire timeout still answers
/// "unavailable"), and in-memory databases work the same.
async fn read_direct<T, F>(pool: &SqlitePool, read: F) -> StoreResult<T>
where
    T: Send + 'static,
    F: FnOnce(&rusqlite::Connection) -> StoreResult<T> + Send + 'static,
{
    let mut conn = pool.acquire().await?;
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        // sqlx's documented way to call SQLite on its connection: while the guard lives its
        // worker thread makes no call on the handle.
        let mut locked = runtime.block_on(conn.lock_handle())?;
        // SAFETY: the handle is a live connection, opened by the one bundled SQLite that sqlx
        // and rusqlite share (one libsqlite3-sys), used by nothing else while `locked` lives,
        // and `db` is dropped before it: `from_handle` borrows the handle and never closes it.
        // `read` prepares its statements on `db`, so they are finalized with it.
        let db = unsafe { rusqlite::Connection::from_handle(locked.as_raw_handle().as_ptr()) }?;
        let result = read(&db);
        drop(db);
        drop(locked);
        result
    })
    .await
    .map_err(|error| StoreError::Conflict(format!("a database read stopped: {error}")))?
}

pub(super) async fn date_range(pool: &SqlitePool) -> StoreResult<Option<(NaiveDate, NaiveDate)>> {
    // From `market_day`, keyed by date (one row per record): each end is one seek. Two
    // scalar subqueries, not `SELECT MIN(date), MAX(date)`: SQLite answers a lone MIN or MAX
    // with a seek, both in one SELECT with a scan of the whole table (every /dashboard
    // request asks this).
    let (first, last): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT (SELECT MIN(date) FROM market_day), (SELECT MAX(date) FROM market_day)",
    )
    .fetch_one(pool)
    .await?;
    let parse = |s: Option<String>| s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());
    Ok(parse(first).zip(parse(last)))
}

pub(super) async fn records_on_days(
    pool: &SqlitePool,
    currency_ids: Option<&[i64]>,
    days: &[NaiveDate],
) -> StoreResult<Vec<(i64, DailyRecord)>> {
    // `market_day` holds every record's columns under a (date, currency_id) key: each day
    // is one key range.
    let mut query = QueryBuilder::<Sqlite>::new(
        "SELECT currency_id, date, open, high, low, close, volume, marketcap \
         FROM market_day WHERE date IN (",
    );
    let mut list = query.separated(", ");
    for day in days {
        list.push_bind(*day);
    }
    query.push(")");
    if let Some(ids) = currency_ids {
        query.push(" AND currency_id IN ");
        push_id_list(&mut query, ids);
    }
    query.push(" ORDER BY date, currency_id");
    let rows: Vec<RecordRow> = query.build_query_as().fetch_all(pool).await?;
    RecordRow::into_pairs(rows)
}

/// Appends `(id, id, ...)` as bound values.
fn push_id_list(query: &mut QueryBuilder<'_, Sqlite>, ids: &[i64]) {
    query.push("(");
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    query.push(")");
}

/// Aggregates over the `date` column come back as text without a declared type; parse them.
fn stored_date(raw: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        StoreError::Conflict(format!(
            "a stored date '{raw}' is not in the form YYYY-MM-DD"
        ))
    })
}

pub(super) async fn coin_spans(
    pool: &SqlitePool,
    currency_ids: Option<&[i64]>,
) -> StoreResult<Vec<CoinSpan>> {
    let mut query = QueryBuilder::<Sqlite>::new(
        "SELECT currency_id, MIN(date), MAX(date), COUNT(*) FROM record",
    );
    if let Some(ids) = currency_ids {
        query.push(" WHERE currency_id IN ");
        push_id_list(&mut query, ids);
    }
    query.push(" GROUP BY currency_id ORDER BY currency_id");
    let rows: Vec<(i64, String, String, i64)> = query.build_query_as().fetch_all(pool).await?;
    rows.into_iter()
        .map(|(currency_id, first, last, days)| {
            Ok(CoinSpan {
                currency_id,
                first_date: stored_date(&first)?,
                last_date: stored_date(&last)?,
                days,
            })
        })
        .collect()
}

pub(super) async fn records_between(
    pool: &SqlitePool,
    currency_ids: &[i64],
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> StoreResult<Vec<(i64, DailyRecord)>> {
    // Stepped directly (see `read_direct`): one coin's whole history is 3,650 rows at scale.
    let (sql, params) = record_range(Some(currency_ids), from, to);
    query_direct(pool, sql, params, |row| record_row(row)?.into_pair()).await
}

/// The records of these coins (every coin when `None`) between the dates (each bound open
/// when `None`), as SQL and its bound values: in the order of the (currency_id, date) unique
/// index, so no sort, and the first row at once.
fn record_range(
    currency_ids: Option<&[i64]>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> (String, Vec<Value>) {
    let mut sql = String::from(
        "SELECT currency_id, date, open, high, low, close, volume, marketcap \
         FROM record WHERE 1 = 1",
    );
    let mut params: Vec<Value> = Vec::new();
    if let Some(ids) = currency_ids {
        sql.push_str(" AND currency_id IN ");
        push_id_params(&mut sql, &mut params, ids);
    }
    for (bound, day) in [(" AND date >= ?", from), (" AND date <= ?", to)] {
        if let Some(day) = day {
            sql.push_str(bound);
            params.push(Value::Text(iso_date(day)));
        }
    }
    sql.push_str(" ORDER BY currency_id, date");
    (sql, params)
}

/// Inserts `rows` by multi-row `INSERT`s of at most `per_statement` rows each (below SQLite's
/// 32,766 bound values a statement): `insert` is the statement up to its `VALUES`, `tail` what
/// follows them, `bind` binds one row's values.
async fn insert_rows<'r, T>(
    connection: &mut SqliteConnection,
    insert: &str,
    (rows, per_statement): (&'r [T], usize),
    tail: &str,
    mut bind: impl FnMut(&mut Separated<'_, 'r, Sqlite, &'static str>, &'r T),
) -> StoreResult<()> {
    for chunk in rows.chunks(per_statement) {
        let mut query = QueryBuilder::<Sqlite>::new(insert);
        query.push_values(chunk, |mut row, item| bind(&mut row, item));
        query.push(tail);
        query.build().execute(&mut *connection).await?;
    }
    Ok(())
}

/// Inserts `rows` into `record`, `tail` after each statement's values (an upsert's clause).
async fn insert_records(
    connection: &mut SqliteConnection,
    rows: &[(i64, DailyRecord)],
    tail: &str,
) -> StoreResult<()> {
    insert_rows(
        connection,
        "INSERT INTO record (currency_id, date, open, high, low, close, volume, marketcap) ",
        (rows, INSERT_BATCH_ROWS),
        tail,
        |row, (currency_id, r)| bind_record(row, *currency_id, r),
    )
    .await
}

/// Binds a coin's record as `currency_id, date, open, high, low, close, volume, marketcap`
/// (how `record` and `market_day` begin). The date as text made here: sqlx would format a
/// NaiveDate through chrono's strftime, 8 % of a bulk load's CPU time.
fn bind_record(
    row: &mut Separated<'_, '_, Sqlite, &'static str>,
    currency_id: i64,
    r: &DailyRecord,
) {
    row.push_bind(currency_id)
        .push_bind(iso_date(r.date()))
        .push_bind(r.open())
        .push_bind(r.high())
        .push_bind(r.low())
        .push_bind(r.close())
        .push_bind(r.volume())
        .push_bind(r.market_cap());
}

/// A row of `SELECT currency_id, date, open, high, low, close, volume, marketcap`.
fn record_row(row: &rusqlite::Row<'_>) -> StoreResult<RecordRow> {
    Ok(RecordRow {
        currency_id: row.get(0)?,
        date: stored_date_bytes(row.get_ref(1)?.as_bytes().unwrap_or_default())?,
        open: row.get(2)?,
        high: row.get(3)?,
        low: row.get(4)?,
        close: row.get(5)?,
        volume: row.get(6)?,
        marketcap: row.get(7)?,
    })
}

pub(super) async fn stream_records(
    pool: &SqlitePool,
    selection: &RecordSelection,
    sender: &BatchSender,
) -> StoreResult<()> {
    let (sql, params) = record_range(
        selection.currency_ids.as_deref(),
        selection.from,
        selection.to,
    );
    let sender = sender.clone();
    let Some(path) = file_path(pool) else {
        // An in-memory database is reachable through the pool only.
        return read_direct(pool, move |db| send_batches(db, &sql, params, &sender)).await;
    };
    tokio::task::spawn_blocking(move || {
        // A connection of its own, not the pool's: a slow download holds it for as long as
        // it takes, and the pool's connections are for requests. One read transaction: the
        // export is one snapshot, and WAL lets writers go on meanwhile.
        use rusqlite::OpenFlags;
        let mut conn = rusqlite::Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let snapshot = conn.transaction()?;
        send_batches(&snapshot, &sql, params, &sender)
    })
    .await
    .map_err(|error| StoreError::Conflict(format!("the export stopped: {error}")))?
}

/// The database file behind `pool`, when it is one (not an in-memory database).
fn file_path(pool: &SqlitePool) -> Option<std::path::PathBuf> {
    let path = pool.connect_options().get_filename().to_owned();
    path.is_file().then_some(path)
}

/// Steps `sql` (a [`record_range`]) and sends its rows to `sender` in batches, on a blocking
/// thread. Not through sqlx: its SQLite driver steps the statement on a worker thread and
/// sends every row (each value copied into an allocation of its own) through a channel to the
/// async side, which capped an export at ~300,000 rows/s, nearly all of it in those hand-overs
/// (see docs/benchmarks.md). Here the rows are decoded where they are stepped, and only whole
/// batches cross to the async side.
fn send_batches(
    db: &rusqlite::Connection,
    sql: &str,
    params: Vec<Value>,
    sender: &BatchSender,
) -> StoreResult<()> {
    let mut statement = db.prepare(sql)?;
    let mut rows = statement.query(rusqlite::params_from_iter(params))?;
    let mut batch = Vec::with_capacity(super::STREAM_BATCH_ROWS);
    while let Some(row) = rows.next()? {
        batch.push(record_row(row)?.into_pair()?);
        if batch.len() == super::STREAM_BATCH_ROWS {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(super::STREAM_BATCH_ROWS));
            if sender.blocking_send(Ok(full)).is_err() {
                // Nobody wants the rest (a client that hung up).
                return Ok(());
            }
        }
    }
    if !batch.is_empty() {
        let _ = sender.blocking_send(Ok(batch));
    }
    Ok(())
}

/// A stored `YYYY-MM-DD` date.
fn stored_date_bytes(raw: &[u8]) -> StoreResult<NaiveDate> {
    std::str::from_utf8(raw)
        .ok()
        .and_then(|text| RecordDate::parse(text).ok())
        .map(NaiveDate::from)
        .ok_or_else(|| {
            StoreError::Conflict(format!(
                "a stored date '{}' is not in the form YYYY-MM-DD",
                String::from_utf8_lossy(raw)
            ))
        })
}

pub(super) async fn market_caps_on(
    pool: &SqlitePool,
    day: NaiveDate,
) -> StoreResult<Vec<(i64, f64)>> {
    Ok(sqlx::query_as(
        "SELECT currency_id, marketcap FROM market_day WHERE date = ?1 ORDER BY currency_id",
    )
    .bind(day)
    .fetch_all(pool)
    .await?)
}

pub(super) async fn market_days(
    pool: &SqlitePool,
    day: NaiveDate,
    currency_ids: Option<&[i64]>,
) -> StoreResult<Vec<MarketDay>> {
    // One range of the (date, currency_id) key: the day's rows, already in coin order.
    // Stepped directly (see `read_direct`): sqlx's per-row hand-over of 2,000 rows of 21
    // columns cost more than SQLite's read.
    let mut sql = format!("SELECT {MARKET_DAY_COLUMNS} FROM market_day WHERE date = ?");
    let mut params: Vec<Value> = vec![Value::Text(iso_date(day))];
    if let Some(ids) = currency_ids {
        sql.push_str(" AND currency_id IN ");
        push_id_params(&mut sql, &mut params, ids);
    }
    sql.push_str(" ORDER BY currency_id");
    query_direct(pool, sql, params, |row| {
        market_day_row(row)?.into_market_day()
    })
    .await
}

/// A row of `SELECT {MARKET_DAY_COLUMNS}`.
fn market_day_row(row: &rusqlite::Row<'_>) -> StoreResult<MarketDayRow> {
    let date = |index: usize| -> StoreResult<NaiveDate> {
        stored_date_bytes(row.get_ref(index)?.as_bytes().unwrap_or_default())
    };
    let point = |index: usize| -> StoreResult<PricePoint> {
        Ok(PricePoint {
            price: row.get(index)?,
            date: date(index + 1)?,
        })
    };
    Ok(MarketDayRow {
        record: record_row(row)?,
        reference_closes: [
            row.get(8)?,
            row.get(9)?,
            row.get(10)?,
            row.get(11)?,
            row.get(12)?,
        ],
        previous_close: row.get(13)?,
        previous_market_cap: row.get(14)?,
        ath: point(15)?,
        highest_close: point(17)?,
        lowest_close: point(19)?,
    })
}

pub(super) async fn close_extremes(
    pool: &SqlitePool,
    currency_ids: Option<&[i64]>,
    up_to: NaiveDate,
) -> StoreResult<Vec<CloseExtremes>> {
    // Two index ranges: every coin's extremes as of the first of the month, and the steps of
    // the month up to the day (the latest of each kind, if any, is the extreme).
    let month = super::first_of_month(up_to);
    let mut query = QueryBuilder::<Sqlite>::new(
        "SELECT * FROM ( \
             SELECT currency_id, highest, highest_date, lowest, lowest_date \
             FROM close_month WHERE month = ",
    );
    query.push_bind(month);
    query.push(
        " UNION ALL \
         SELECT currency_id, CASE WHEN highest THEN close END, CASE WHEN highest THEN date END, \
                CASE WHEN lowest THEN close END, CASE WHEN lowest THEN date END \
         FROM close_step WHERE date >= ",
    );
    query.push_bind(month);
    query.push(" AND date <= ");
    query.push_bind(up_to);
    query.push(")");
    if let Some(ids) = currency_ids {
        query.push(" WHERE currency_id IN ");
        push_id_list(&mut query, ids);
    }
    let rows: Vec<super::CloseRow> = query.build_query_as().fetch_all(pool).await?;
    Ok(super::latest_extremes_per_coin(rows))
}

/// Gives every coin without an id one (see `CoinId::for_name`), in id order.
pub(super) async fn fill_missing_coin_ids(pool: &SqlitePool) -> StoreResult<()> {
    assign_missing_coin_ids(pool.begin_with("BEGIN IMMEDIATE").await?).await
}

super::common_functions!(
    SqlitePool,
    Sqlite,
    first_placeholder: "?1",
    set_coin_id: "UPDATE currency SET coin_id = ?1 WHERE id = ?2",
);

/// The write transaction. `BEGIN IMMEDIATE` takes the write lock up front, so two writers
/// queue on the busy timeout instead of failing when a read lock cannot be upgraded.
pub(super) struct Writer<'c> {
    tx: Transaction<'c, Sqlite>,
    /// `CREATE INDEX` statements of the secondary indexes dropped for a bulk load, to run
    /// again before commit.
    deferred_indexes: Vec<String>,
}

impl Writer<'_> {
    /// Deletes the rows of these coins from each derived table, before they are written anew.
    async fn delete_coins_from(&mut self, tables: &[&str], ids: &[i64]) -> StoreResult<()> {
        for chunk in ids.chunks(INSERT_BATCH_ROWS) {
            for table in tables {
                let mut query = QueryBuilder::<Sqlite>::new(format!(
                    "DELETE FROM {table} WHERE currency_id IN "
                ));
                push_id_list(&mut query, chunk);
                query.build().execute(&mut *self.tx).await?;
            }
        }
        Ok(())
    }

    pub(super) async fn begin(pool: &SqlitePool) -> StoreResult<Writer<'static>> {
        Ok(Writer {
            tx: pool.begin_with("BEGIN IMMEDIATE").await?,
            deferred_indexes: Vec::new(),
        })
    }

    /// A write transaction on a connection the caller holds (see [`apply`]).
    async fn begin_on(connection: &mut SqliteConnection) -> StoreResult<Writer<'_>> {
        Ok(Writer {
            tx: connection.begin_with("BEGIN IMMEDIATE").await?,
            deferred_indexes: Vec::new(),
        })
    }
}

/// Applies `updates` in one transaction (`write::apply`).
///
/// `offline` (nothing else in this process uses the database meanwhile): a large write into a
/// database without records (a first import) runs with a rollback journal instead of the WAL,
/// when this process holds the only connection to the file. In WAL mode every page of the
/// load is written twice, to the WAL and then by the checkpoint into the database (2.3 GB
/// each way at 6.9 M rows); a rollback journal keeps the original content of the pages a
/// transaction changes, and a database without records has next to none: the new pages lie
/// past its end, which a rollback truncates away. It is as atomic: a crash leaves a hot
/// journal that the next connection rolls back, so the database is what it was.
///
/// Leaving WAL mode needs every other connection to the file closed: the pool's idle ones
/// are closed here; with another process's connection open the switch fails at once and the
/// write takes the WAL path. Meanwhile a connection opened by another process waits for the
/// write (its busy timeout), which is why a live server never takes this path. The WAL comes
/// back when the write ends, whatever its outcome.
pub(super) async fn apply(
    pool: &SqlitePool,
    updates: &[CoinUpdate],
    offline: bool,
) -> StoreResult<WriteSummary> {
    let rows: usize = updates.iter().map(|u| u.records.len()).sum();
    if offline && rows >= BULK_LOAD_ROWS {
        let mut connection = pool.acquire().await?;
        if holds_records(&mut *connection).await? {
            drop(connection);
            return write::apply(Writer::begin(pool).await?, updates).await;
        }
        // Nothing else uses the pool meanwhile, but a connection dropped just before is
        // still on its way back to it (the pool takes it back in a task of its own): wait a
        // moment for such ones, then go on whatever is left.
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(2);
        loop {
            close_idle_connections(pool).await;
            if pool.size() <= 1 || tokio::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        if leave_wal(&mut connection).await? {
            let written = match Writer::begin_on(&mut connection).await {
                Ok(writer) => write::apply(writer, updates).await,
                Err(error) => Err(error),
            };
            return_to_wal(&mut connection).await;
            return written;
        }
    }
    write::apply(Writer::begin(pool).await?, updates).await
}

/// Closes the pool's idle connections, one after the other (see `Store::close`). A connection
/// that fails to close is dropped all the same.
pub(super) async fn close_idle_connections(pool: &SqlitePool) {
    while let Some(idle) = pool.try_acquire() {
        if let Err(error) = idle.close().await {
            tracing::warn!(%error, "a SQLite connection did not close cleanly");
        }
    }
}

/// Switches the database to a rollback journal if no other connection has it open; `false`
/// (and still WAL) otherwise. Never waits: another connection is not about to go away.
async fn leave_wal(connection: &mut SqliteConnection) -> StoreResult<bool> {
    sqlx::query("PRAGMA busy_timeout = 0")
        .execute(&mut *connection)
        .await?;
    let switched: Result<String, sqlx::Error> = sqlx::query_scalar("PRAGMA journal_mode = DELETE")
        .fetch_one(&mut *connection)
        .await;
    sqlx::query(&format!(
        "PRAGMA busy_timeout = {}",
        BUSY_TIMEOUT.as_millis()
    ))
    .execute(&mut *connection)
    .await?;
    // FULL: in rollback mode, NORMAL could lose the last commit on a power cut; the extra
    // sync is of a journal of a few pages.
    match switched {
        Ok(mode) if mode.eq_ignore_ascii_case("delete") => {
            sqlx::query("PRAGMA synchronous = FULL")
                .execute(&mut *connection)
                .await?;
            Ok(true)
        }
        Ok(_) => Ok(false),
        Err(sqlx::Error::Database(error)) if is_busy(error.as_ref()) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// SQLITE_BUSY or SQLITE_LOCKED (primary codes 5 and 6, whatever the extended code).
fn is_busy(error: &dyn sqlx::error::DatabaseError) -> bool {
    error
        .code()
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| matches!(code & 0xff, 5 | 6))
}

/// Puts the database back in WAL mode, with the pool's settings. On failure the connection
/// is closed instead of going back to the pool; the next connection opened sets WAL again
/// (see `connect`).
async fn return_to_wal(connection: &mut PoolConnection<Sqlite>) {
    let restored = async {
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&mut **connection)
            .await?;
        sqlx::query("PRAGMA synchronous = NORMAL")
            .execute(&mut **connection)
            .await
    }
    .await;
    if let Err(error) = restored {
        tracing::warn!(%error, "cannot put the SQLite database back in WAL mode after a bulk load; the next connection will");
        connection.close_on_drop();
    }
}

impl WriteTransaction for Writer<'_> {
    super::common_writes! {
        insert_currency:
            "INSERT INTO currency (name, symbol, coin_id) VALUES (?1, ?2, ?3) RETURNING id",
        set_coin_id: "UPDATE currency SET coin_id = ?1 WHERE id = ?2",
        rename_currency: "UPDATE currency SET name = ?1 WHERE id = ?2",
        records_of: "SELECT currency_id, date, open, high, low, close, volume, marketcap \
            FROM record WHERE currency_id = ?1 AND date BETWEEN ?2 AND ?3 ORDER BY date",
        move_digest_generation: "UPDATE coin_digest SET generation = ?1 WHERE generation = ?2",
    }

    async fn insert_records(&mut self, rows: &[(i64, DailyRecord)]) -> StoreResult<()> {
        insert_records(&mut self.tx, rows, "").await
    }

    async fn update_records(&mut self, rows: &[(i64, DailyRecord)]) -> StoreResult<()> {
        // Every row exists (the writer read them in this transaction), so the upsert only
        // updates: a multi-row statement per batch, not a statement per row.
        insert_records(
            &mut self.tx,
            rows,
            " ON CONFLICT (currency_id, date) DO UPDATE SET open = excluded.open, \
             high = excluded.high, low = excluded.low, close = excluded.close, \
             volume = excluded.volume, marketcap = excluded.marketcap",
        )
        .await
    }

    async fn save_coin_digests(
        &mut self,
        digests: &[(i64, CoinDigest)],
        generation: i64,
    ) -> StoreResult<()> {
        // 4 bound values a row, below SQLite's 32,766 a statement.
        insert_rows(
            &mut self.tx,
            "INSERT INTO coin_digest (currency_id, records, sha256, generation) ",
            (digests, 8_000),
            " ON CONFLICT (currency_id) DO UPDATE SET records = excluded.records, \
             sha256 = excluded.sha256, generation = excluded.generation",
            |row, (currency_id, digest)| {
                row.push_bind(*currency_id)
                    .push_bind(digest.records)
                    .push_bind(digest.sha256.as_slice())
                    .push_bind(generation);
            },
        )
        .await
    }

    async fn replace_close_extremes(&mut self, rows: &CloseRows<'_>) -> StoreResult<()> {
        self.delete_coins_from(&["close_step", "close_month"], &rows.ids)
            .await?;
        // 5 or 6 bound values a row, below SQLite's 32,766 a statement.
        insert_rows(
            &mut self.tx,
            "INSERT INTO close_step (currency_id, date, close, highest, lowest) ",
            (&rows.steps, 5_000),
            "",
            |row, (currency_id, step)| {
                row.push_bind(*currency_id)
                    .push_bind(step.date)
                    .push_bind(step.close)
                    .push_bind(step.highest)
                    .push_bind(step.lowest);
            },
        )
        .await?;
        insert_rows(
            &mut self.tx,
            "INSERT INTO close_month \
             (currency_id, month, highest, highest_date, lowest, lowest_date) ",
            (&rows.months, 5_000),
            "",
            |row, (currency_id, month, e)| {
                row.push_bind(*currency_id)
                    .push_bind(*month)
                    .push_bind(e.highest)
                    .push_bind(e.highest_date)
                    .push_bind(e.lowest)
                    .push_bind(e.lowest_date);
            },
        )
        .await
    }

    async fn replace_market_days(
        &mut self,
        from: &[(i64, NaiveDate)],
        rows: &[MarketDay],
    ) -> StoreResult<()> {
        // One prepared statement, reused: SQLite runs it in-process.
        for (currency_id, day) in from {
            sqlx::query("DELETE FROM market_day WHERE currency_id = ?1 AND date >= ?2")
                .bind(*currency_id)
                .bind(iso_date(*day))
                .execute(&mut *self.tx)
                .await?;
        }
        insert_rows(
            &mut self.tx,
            &format!("INSERT INTO market_day ({MARKET_DAY_COLUMNS}) "),
            (rows, MARKET_DAY_BATCH_ROWS),
            "",
            |row, d| {
                bind_record(row, d.currency_id, &d.record);
                for close in d.reference_closes {
                    row.push_bind(close);
                }
                row.push_bind(d.previous.map(|p| p.close))
                    .push_bind(d.previous.map(|p| p.market_cap));
                for point in [d.ath, d.highest_close, d.lowest_close] {
                    row.push_bind(point.price).push_bind(iso_date(point.date));
                }
            },
        )
        .await
    }

    fn batch_rows(&self) -> usize {
        INSERT_BATCH_ROWS
    }

    /// A bulk load (see `write::apply`) drops the secondary (non-unique) indexes of `record`
    /// and `market_day` (since migration 0009: `market_day_currency_idx`) and builds them again
    /// before commit. Inserting in one order puts each row at a random place of an index in
    /// another, one page read and write per row once the index outgrows the page cache (a
    /// 7 M-row import took over 25 minutes with `record`'s by-date index); building it at the
    /// end is one sort.
    async fn begin_bulk(&mut self) -> StoreResult<()> {
        // Read back the definitions from the schema itself, so whatever the migrations made
        // is what gets rebuilt. DDL is transactional in SQLite: a rollback restores them,
        // and readers keep using them from their own snapshot meanwhile.
        let indexes: Vec<(String, String)> = sqlx::query_as(&format!(
            "SELECT name, sql FROM sqlite_master \
             WHERE type = 'index' AND tbl_name IN ({BULK_TABLES}) AND sql IS NOT NULL \
               AND sql NOT LIKE 'CREATE UNIQUE%'"
        ))
        .fetch_all(&mut *self.tx)
        .await?;
        for (name, sql) in indexes {
            sqlx::query(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
                .execute(&mut *self.tx)
                .await?;
            self.deferred_indexes.push(sql);
        }
        Ok(())
    }

    async fn finish_bulk(&mut self) -> StoreResult<()> {
        // Each CREATE INDEX sorts every row in runs of at most the page cache's size (2 MB by
        // default), then merges them: a larger cache, for these statements only, makes fewer
        // and longer runs. Set back before anything else runs on this pooled connection,
        // whether the builds succeed or not.
        let cache_size: i64 = sqlx::query_scalar("PRAGMA cache_size")
            .fetch_one(&mut *self.tx)
            .await?;
        sqlx::query(&format!("PRAGMA cache_size = -{BULK_CACHE_KIB}"))
            .execute(&mut *self.tx)
            .await?;
        let mut built = Ok(());
        for sql in std::mem::take(&mut self.deferred_indexes) {
            built = sqlx::query(&sql).execute(&mut *self.tx).await.map(drop);
            if built.is_err() {
                break;
            }
        }
        sqlx::query(&format!("PRAGMA cache_size = {cache_size}"))
            .execute(&mut *self.tx)
            .await?;
        Ok(built?)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{CoinUpdate, Store, StoreError, StoreOptions, BULK_LOAD_ROWS};
    use crate::domain::{CoinName, DailyRecord, RecordDate, Symbol};
    use chrono::NaiveDate;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    /// A record whose values only survive an exact round trip (no short decimal form).
    fn record(date: &str, base: f64) -> DailyRecord {
        let open = base + 0.1 + f64::EPSILON * base;
        DailyRecord::new(
            RecordDate::parse(date).unwrap(),
            open,
            base * 1.5 + 1.0 / 3.0,
            base * 0.5,
            base + 2.0 / 7.0,
            1e9 / 3.0,
            base * 1e6 + 0.015625,
        )
        .unwrap()
    }

    fn coin(symbol: &str, records: Vec<DailyRecord>) -> CoinUpdate {
        CoinUpdate {
            symbol: Symbol::parse(symbol).unwrap(),
            name: Some(CoinName::parse(&format!("Coin {symbol}")).unwrap()),
            coin_id: None,
            records,
        }
    }

    /// An in-memory database: it lives in the pool's only connection, so every statement
    /// after a direct read finds it only if that read gave the connection back intact.
    async fn memory_store() -> Store {
        let store = Store::connect(&StoreOptions {
            database_url: "sqlite::memory:".into(),
            max_connections: 1,
            acquire_timeout: Duration::from_secs(5),
        })
        .await
        .unwrap();
        store.migrate().await.unwrap();
        store
    }

    /// A store on the database file `k.db` in `dir`, as it is (created empty if missing).
    async fn connect_file(dir: &std::path::Path, max_connections: u32) -> Store {
        Store::connect(&StoreOptions {
            database_url: format!("sqlite://{}", dir.join("k.db").display()),
            max_connections,
            acquire_timeout: Duration::from_secs(30),
        })
        .await
        .unwrap()
    }

    /// The pool of a store these tests opened (always SQLite).
    fn pool_of(store: &Store) -> &sqlx::SqlitePool {
        match store {
            Store::Sqlite(pool) => pool,
            Store::Postgres(_) => unreachable!("the SQLite tests open SQLite stores"),
        }
    }

    /// A database file of its own, migrated, in `dir`.
    async fn file_store(dir: &std::path::Path, max_connections: u32) -> Store {
        let store = connect_file(dir, max_connections).await;
        store.migrate().await.unwrap();
        store
    }

    /// Enough coins × days to be a bulk load (`BULK_LOAD_ROWS`): 100 coins of 2,000 days.
    fn bulk_updates() -> Vec<CoinUpdate> {
        let first = day("2015-01-01");
        (0..100)
            .map(|n| {
                let records = (0..2_000u64)
                    .map(|i| {
                        let date = first + chrono::Days::new(i);
                        record(&date.to_string(), 1.0 + (n * 2_000 + i) as f64)
                    })
                    .collect();
                coin(&format!("B{n:03}"), records)
            })
            .collect()
    }

    async fn journal_mode(pool: &sqlx::SqlitePool) -> String {
        sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(pool)
            .await
            .unwrap()
    }

    /// The size of the database's `-wal` file (0 when there is none).
    fn wal_bytes(dir: &std::path::Path) -> u64 {
        std::fs::metadata(dir.join("k.db-wal")).map_or(0, |m| m.len())
    }

    #[tokio::test]
    async fn a_first_bulk_load_alone_on_the_file_skips_the_wal_and_returns_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = file_store(dir.path(), 4).await;
        let pool = pool_of(&store);
        let updates = bulk_updates();
        assert!(updates.iter().map(|u| u.records.len()).sum::<usize>() >= BULK_LOAD_ROWS);
        // Connections of its own pool are closed for it, even those given back just now.
        let (a, b) = (pool.acquire().await.unwrap(), pool.acquire().await.unwrap());
        drop((a, b));
        let summary = store.apply_offline(&updates).await.unwrap();
        assert_eq!(summary.inserted, 200_000);
        assert_eq!(store.record_count().await.unwrap(), 200_000);
        // The rows went straight into the database file: the WAL holds at most a few pages
        // (the switch back), not the ~30 MB of the load.
        assert!(wal_bytes(dir.path()) < 1 << 20, "{}", wal_bytes(dir.path()));
        assert_eq!(journal_mode(pool).await, "wal");
        assert!(!dir.path().join("k.db-journal").exists());
        let stored = store
            .records_between(&[coin_id_of(&store, "B042").await], None, None)
            .await
            .unwrap();
        assert_eq!(stored.len(), 2_000);
        assert!(stored
            .iter()
            .zip(&updates[42].records)
            .all(|((_, a), b)| a.same_values(b) && a.date() == b.date()));
        let check: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(pool)
            .await
            .unwrap();
        assert_eq!(check, ["ok"]);
        // Later writes go through the WAL again.
        store
            .apply(&[coin("B000", vec![record("2021-01-01", 5.0)])])
            .await
            .unwrap();
        assert!(wal_bytes(dir.path()) > 0);
    }

    async fn coin_id_of(store: &Store, symbol: &str) -> i64 {
        let symbol = Symbol::parse(symbol).unwrap();
        store.currency_by_symbol(&symbol).await.unwrap().unwrap().id
    }

    #[tokio::test]
    async fn a_live_write_keeps_the_wal_even_alone() {
        // A server's write: a reader may open a connection any time, so no switch.
        let dir = tempfile::tempdir().unwrap();
        let store = file_store(dir.path(), 1).await;
        let summary = store.apply(&bulk_updates()).await.unwrap();
        assert_eq!(summary.inserted, 200_000);
        assert!(wal_bytes(dir.path()) > 1 << 20);
    }

    #[tokio::test]
    async fn a_bulk_load_beside_another_connection_takes_the_wal_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = file_store(dir.path(), 2).await;
        // Another process's reader: the journal cannot change under it.
        let reader = file_store(dir.path(), 1).await;
        assert_eq!(reader.record_count().await.unwrap(), 0);
        let summary = store.apply_offline(&bulk_updates()).await.unwrap();
        assert_eq!(summary.inserted, 200_000);
        assert_eq!(reader.record_count().await.unwrap(), 200_000);
        assert!(wal_bytes(dir.path()) > 1 << 20);
        let pool = pool_of(&store);
        assert_eq!(journal_mode(pool).await, "wal");
    }

    #[tokio::test]
    async fn a_failed_bulk_load_without_the_wal_leaves_the_database_empty_and_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let store = file_store(dir.path(), 1).await;
        let pool = pool_of(&store);
        // The last coin takes the first one's name: the currency insert fails after 99
        // coins' rows were written.
        let mut updates = bulk_updates();
        updates[99].name = updates[0].name.clone();
        assert!(store.apply_offline(&updates).await.is_err());
        assert_eq!(store.record_count().await.unwrap(), 0);
        assert!(store.currencies().await.unwrap().is_empty());
        for table in ["market_day", "close_step", "coin_digest"] {
            let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(pool)
                .await
                .unwrap();
            assert_eq!(rows, 0, "{table}");
        }
        assert_eq!(journal_mode(pool).await, "wal");
        assert!(!dir.path().join("k.db-journal").exists());
        // And the same load, corrected, goes in.
        let summary = store.apply_offline(&bulk_updates()).await.unwrap();
        assert_eq!(summary.inserted, 200_000);
    }

    fn assert_same(found: &[(i64, DailyRecord)], expected: &[(i64, DailyRecord)]) {
        assert_eq!(found.len(), expected.len());
        for ((id, a), (want_id, b)) in found.iter().zip(expected) {
            assert_eq!((id, a.date()), (want_id, b.date()));
            assert!(a.same_values(b), "{a:?} != {b:?}");
        }
    }

    #[tokio::test]
    async fn direct_reads_give_the_stored_values_and_the_connection_back() {
        let store = memory_store().await;
        let aaa = vec![
            record("2021-01-01", 10.0),
            record("2021-01-02", 11.0),
            record("2021-01-04", 12.0),
        ];
        let bbb = vec![record("2021-01-02", 20.0), record("2021-01-03", 21.0)];
        store
            .apply(&[coin("AAA", aaa.clone()), coin("BBB", bbb.clone())])
            .await
            .unwrap();
        let coins = store.currencies().await.unwrap();
        let symbols: Vec<&str> = coins.iter().map(|c| c.symbol.as_str()).collect();
        assert_eq!(symbols, ["AAA", "BBB"]);
        assert_eq!(coins[0].name, "Coin AAA");
        let (a, b) = (coins[0].id, coins[1].id);

        // Both coins, every day: by coin, then date, bit for bit.
        let all = store.records_between(&[b, a], None, None).await.unwrap();
        let expected: Vec<(i64, DailyRecord)> = aaa
            .iter()
            .map(|r| (a, *r))
            .chain(bbb.iter().map(|r| (b, *r)))
            .collect();
        assert_same(&all, &expected);
        // Each bound alone and both: inclusive.
        let from = store
            .records_between(&[a], Some(day("2021-01-02")), None)
            .await
            .unwrap();
        assert_same(&from, &[(a, aaa[1]), (a, aaa[2])]);
        let to = store
            .records_between(&[a, b], None, Some(day("2021-01-02")))
            .await
            .unwrap();
        assert_same(&to, &[(a, aaa[0]), (a, aaa[1]), (b, bbb[0])]);
        let none = store
            .records_between(&[a], Some(day("2021-01-05")), None)
            .await
            .unwrap();
        assert!(none.is_empty());

        // The same single connection serves sqlx's statements and a write afterwards.
        store
            .apply(&[coin("AAA", vec![record("2021-01-05", 13.0)])])
            .await
            .unwrap();
        assert_eq!(store.record_count().await.unwrap(), 6);
        let after = store.records_between(&[a], None, None).await.unwrap();
        assert_eq!(after.len(), 4);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_direct_reads_share_a_small_pool() {
        let dir = tempfile::tempdir().unwrap();
        let store = file_store(dir.path(), 2).await;
        let records: Vec<DailyRecord> = (0..400)
            .map(|i| {
                let date = day("2020-01-01") + chrono::Days::new(i);
                record(&date.format("%Y-%m-%d").to_string(), i as f64 + 1.0)
            })
            .collect();
        store.apply(&[coin("AAA", records.clone())]).await.unwrap();
        let id = store.currencies().await.unwrap()[0].id;
        let reads: Vec<_> = (0..16)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.records_between(&[id], None, None).await })
            })
            .collect();
        let expected: Vec<(i64, DailyRecord)> = records.iter().map(|r| (id, *r)).collect();
        for read in reads {
            assert_same(&read.await.unwrap().unwrap(), &expected);
        }
    }

    #[tokio::test]
    async fn a_stored_date_changed_behind_krispytos_back_is_an_error_not_a_panic() {
        let store = memory_store().await;
        store
            .apply(&[coin("AAA", vec![record("2021-01-01", 10.0)])])
            .await
            .unwrap();
        let pool = pool_of(&store);
        // Digits and dashes pass the table's CHECK, but no such day exists.
        sqlx::query("UPDATE record SET date = '2021-02-30'")
            .execute(pool)
            .await
            .unwrap();
        let id = store.currencies().await.unwrap()[0].id;
        match store.records_between(&[id], None, None).await {
            Err(StoreError::Conflict(message)) => {
                assert!(message.contains("2021-02-30"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        // And the connection is still there for the next read.
        assert_eq!(store.record_count().await.unwrap(), 1);
    }

    /// Every row of `table` as text, REAL values by their bits (so -0.0 is not 0.0 and no
    /// rounding hides), in key order.
    async fn dump(pool: &sqlx::SqlitePool, table: &str, columns: &str) -> Vec<String> {
        let sql = format!("SELECT {columns} FROM {table} ORDER BY 1, 2");
        let rows = sqlx::query(&sql).fetch_all(pool).await.unwrap();
        rows.iter()
            .map(|row| {
                use sqlx::{Row, TypeInfo, ValueRef};
                (0..row.len())
                    .map(|i| {
                        let value = row.try_get_raw(i).unwrap();
                        match value.type_info().name() {
                            "REAL" => format!("{:x}", row.get::<f64, _>(i).to_bits()),
                            "INTEGER" => row.get::<i64, _>(i).to_string(),
                            "BLOB" => format!("{:?}", row.get::<Vec<u8>, _>(i)),
                            "NULL" => "NULL".into(),
                            _ => row.get::<String, _>(i),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect()
    }

    #[tokio::test]
    async fn migration_0008_keeps_every_record_bit_for_bit_and_the_derived_tables() {
        // A database at the schema before 0008 (the same files, so the same checksums).
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("migrations");
        std::fs::create_dir(&old).unwrap();
        let ours = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
        for entry in std::fs::read_dir(&ours).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            if name.as_str() < "0008" {
                std::fs::copy(&path, old.join(&name)).unwrap();
            }
        }
        let store = connect_file(dir.path(), 2).await;
        let pool = pool_of(&store);
        sqlx::migrate::Migrator::new(old.as_path())
            .await
            .unwrap()
            .run(pool)
            .await
            .unwrap();
        let table: String =
            sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'record'")
                .fetch_one(pool)
                .await
                .unwrap();
        assert!(!table.contains("WITHOUT ROWID"), "{table}");

        // The real data (gaps, every kind of value), then days written across coins, as a
        // sync writes them (rows out of key order in the old table), and a changed record.
        let real =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/kaggle-crypto");
        crate::import::import(
            &store,
            &[crate::import::source::Source::Path(real)],
            crate::import::Progress::Hidden,
        )
        .await
        .unwrap();
        let mut synced = Vec::new();
        for (symbol, base) in [("BTC", 40_000.0), ("ETH", 3_000.0), ("AAA", 1.0)] {
            synced.push(coin(
                symbol,
                vec![
                    record("2021-07-07", base),
                    record("2021-07-08", base * 1.01),
                ],
            ));
        }
        synced[0].name = None;
        synced[1].name = None;
        store.apply(&synced).await.unwrap();
        store
            .apply(&[CoinUpdate {
                name: None,
                ..coin("BTC", vec![record("2021-07-06", 35_000.0)])
            }])
            .await
            .unwrap();

        let tables = [
            (
                "record",
                "currency_id, date, open, high, low, close, volume, marketcap",
            ),
            ("currency", "id, name, symbol, coin_id"),
            ("close_step", "currency_id, date, close, highest, lowest"),
            (
                "close_month",
                "currency_id, month, highest, highest_date, lowest, lowest_date",
            ),
            ("coin_digest", "currency_id, records, sha256, generation"),
            ("data_generation", "id, generation"),
        ];
        let mut before = Vec::new();
        for (name, columns) in tables {
            before.push(dump(pool, name, columns).await);
        }
        assert!(before[0].len() > 37_000);

        store.migrate().await.unwrap();

        let table: String =
            sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'record'")
                .fetch_one(pool)
                .await
                .unwrap();
        assert!(table.contains("WITHOUT ROWID"), "{table}");
        let indexes: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'record' \
             AND sql IS NOT NULL ORDER BY name",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        // 0008 built the by-date covering index again; 0009 drops it (by-date reads go to
        // `market_day`): the table's own key is its only index.
        assert!(indexes.is_empty(), "{indexes:?}");
        for ((name, columns), rows) in tables.into_iter().zip(&before) {
            assert_eq!(&dump(pool, name, columns).await, rows, "{name}");
        }
        let check: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(pool)
            .await
            .unwrap();
        assert_eq!(check, ["ok"]);
        let orphans: Vec<(String, i64)> = sqlx::query_as("PRAGMA foreign_key_check")
            .fetch_all(pool)
            .await
            .unwrap_or_default();
        assert!(orphans.is_empty(), "{orphans:?}");

        // Writes go on as before: a duplicate day is an update, a new one an insert, and the
        // derived tables follow (the new high is the coin's all-time high from that day).
        let summary = store
            .apply(&[CoinUpdate {
                name: None,
                ..coin(
                    "AAA",
                    vec![record("2021-07-08", 2.0), record("2021-07-09", 500.0)],
                )
            }])
            .await
            .unwrap();
        assert_eq!((summary.inserted, summary.updated), (1, 1));
        let aaa = store.currencies().await.unwrap();
        let aaa = aaa.iter().find(|c| c.symbol.as_str() == "AAA").unwrap().id;
        let kept = store
            .market_days(day("2021-07-09"), Some(&[aaa]))
            .await
            .unwrap();
        assert_eq!(
            (kept[0].ath.price, kept[0].ath.date),
            (500.0 * 1.5 + 1.0 / 3.0, day("2021-07-09"))
        );
        let rows = store.records_between(&[aaa], None, None).await.unwrap();
        let dates: Vec<NaiveDate> = rows.iter().map(|(_, r)| r.date()).collect();
        assert_eq!(
            dates,
            [day("2021-07-07"), day("2021-07-08"), day("2021-07-09")]
        );
    }
}
