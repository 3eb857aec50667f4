//! PostgreSQL statements. New rows stream in with binary `COPY`; updates bind whole columns
//! as arrays and `UNNEST` them, so a batch of thousands of rows is one statement and one
//! round trip.

use std::str::FromStr;

use chrono::NaiveDate;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool, Postgres, QueryBuilder, Transaction};

use super::write::{CloseRows, CoinDigest, StoredDigest, WriteTransaction};
use super::{
    forward_batches, missing_coin_ids, BatchSender, CloseExtremes, CoinSpan, CurrencyKey,
    CurrencyRow, MarketDayRow, RecordRow, RecordSelection, StoreError, StoreOptions, StoreResult,
    MARKET_DAY_COLUMNS, SELECT_CURRENCY,
};
use crate::analytics::market_day::MarketDay;
use crate::domain::{CoinId, Currency, DailyRecord, Symbol};

/// Rows per bulk statement: large enough to amortize the round trip, small enough to keep
/// the bound arrays a few MB.
const BATCH_ROWS: usize = 20_000;

pub(super) async fn connect(url: &str, options: &StoreOptions) -> StoreResult<PgPool> {
    let connect = PgConnectOptions::from_str(url)
        .map_err(|error| {
            StoreError::UnsupportedUrl(format!(
                "DATABASE_URL ({}) is not valid: {}",
                super::database_url::redact(url),
                config_reason(&error)
            ))
        })?
        .application_name("krispyto");
    // One plain connection first: the pool retries a refused connection until its acquire
    // timeout and then says only "pool timed out", which loses the reason.
    let first = tokio::time::timeout(
        FIRST_CONNECT_TIMEOUT,
        <sqlx::PgConnection as sqlx::Connection>::connect_with(&connect),
    )
    .await;
    match first {
        Ok(Ok(connection)) => {
            let _ = sqlx::Connection::close(connection).await;
        }
        Ok(Err(error)) => return Err(StoreError::Connect(connect_failure(&connect, &error))),
        Err(_) => {
            return Err(StoreError::Connect(format!(
                "PostgreSQL at {} did not answer within {} s; check DATABASE_URL and that the \
                 server is running and reachable",
                server(&connect),
                FIRST_CONNECT_TIMEOUT.as_secs()
            )))
        }
    }
    Ok(PgPoolOptions::new()
        .max_connections(options.max_connections)
        .acquire_timeout(options.acquire_timeout)
        .connect_with(connect)
        .await?)
}

/// The advisory lock key of the startup import: any constant no other user of the database
/// takes; these are the bytes of "krispyto".
const SEED_LOCK_KEY: i64 = 0x6b72_6973_7079_746f;

/// Takes the startup import's advisory lock on a connection of its own, outside the pool:
/// the import under it needs every pooled connection it can get (even with a pool of one).
/// Waits while another server holds it. Session-scoped: released by `unlock_seed`, or by
/// PostgreSQL when the connection closes (a server that dies mid-import frees it too).
pub(super) async fn lock_seed(pool: &PgPool) -> StoreResult<PgConnection> {
    let mut connection = PgConnection::connect_with(&pool.connect_options()).await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(SEED_LOCK_KEY)
        .execute(&mut connection)
        .await?;
    Ok(connection)
}

pub(super) async fn unlock_seed(mut connection: PgConnection) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(SEED_LOCK_KEY)
        .execute(&mut connection)
        .await?;
    connection.close().await?;
    Ok(())
}

/// How long the first connection may take (a cold server over TLS may take a while; a
/// refused connection fails at once anyway).
const FIRST_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The reason of a configuration error, without sqlx's "error with configuration:" prefix.
fn config_reason(error: &sqlx::Error) -> String {
    let text = error.to_string();
    let mut reason = text.as_str();
    while let Some(rest) = reason.strip_prefix("error with configuration: ") {
        reason = rest;
    }
    reason.replace("`ssl_mode`", "the parameter sslmode")
}

/// `host:port` (or the socket) the options point at.
fn server(options: &PgConnectOptions) -> String {
    match options.get_socket() {
        Some(socket) => socket.display().to_string(),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    }
}

/// Why the first connection failed, and what to do about it.
fn connect_failure(options: &PgConnectOptions, error: &sqlx::Error) -> String {
    let at = server(options);
    let user = options.get_username();
    let database = options.get_database().unwrap_or(user);
    match error {
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("3D000") => format!(
                "the database '{database}' does not exist on the PostgreSQL server at {at}; \
                 create it (for example: createdb -h {host} -p {port} -U {user} {database}) \
                 or fix DATABASE_URL",
                host = options.get_host(),
                port = options.get_port(),
            ),
            Some("28P01" | "28000") => format!(
                "PostgreSQL at {at} refused user '{user}': {}; check the user and password in \
                 DATABASE_URL",
                db.message()
            ),
            _ => format!(
                "PostgreSQL at {at} refused the connection: {}",
                db.message()
            ),
        },
        sqlx::Error::Io(io) => format!(
            "cannot connect to PostgreSQL at {at}: {io}; check DATABASE_URL and that the \
             server is running"
        ),
        sqlx::Error::Tls(tls) => format!(
            "the TLS handshake with PostgreSQL at {at} failed: {tls}; check the sslmode of \
             DATABASE_URL"
        ),
        other => format!("cannot connect to PostgreSQL at {at}: {other}"),
    }
}

pub(super) async fn currencies(pool: &PgPool) -> StoreResult<Vec<Currency>> {
    sqlx::query_as::<_, CurrencyRow>(&format!("{SELECT_CURRENCY} ORDER BY id"))
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(CurrencyRow::into_currency)
        .collect()
}

pub(super) async fn date_range(pool: &PgPool) -> StoreResult<Option<(NaiveDate, NaiveDate)>> {
    let (first, last): (Option<NaiveDate>, Option<NaiveDate>) =
        // From `market_day`, keyed by date (one row per record): each end is one index seek.
        sqlx::query_as("SELECT MIN(date), MAX(date) FROM market_day")
            .fetch_one(pool)
            .await?;
    Ok(first.zip(last))
}

pub(super) async fn records_on_days(
    pool: &PgPool,
    currency_ids: Option<&[i64]>,
    days: &[NaiveDate],
) -> StoreResult<Vec<(i64, DailyRecord)>> {
    // `$2 IS NULL` keeps this one prepared statement for "every coin" and "these coins".
    sqlx::query_as::<_, RecordRow>(
        "SELECT currency_id, date, open, high, low, close, volume, marketcap \
         FROM market_day \
         WHERE date = ANY($1) AND ($2::bigint[] IS NULL OR currency_id = ANY($2)) \
         ORDER BY date, currency_id",
    )
    .bind(days)
    .bind(currency_ids)
    .fetch_all(pool)
    .await
    .map_err(StoreError::from)
    .and_then(RecordRow::into_pairs)
}

pub(super) async fn market_days(
    pool: &PgPool,
    day: NaiveDate,
    currency_ids: Option<&[i64]>,
) -> StoreResult<Vec<MarketDay>> {
    // `$2 IS NULL` keeps this one prepared statement for "every coin" and "these coins".
    let rows: Vec<MarketDayRow> = sqlx::query_as(&format!(
        "SELECT {MARKET_DAY_COLUMNS} FROM market_day \
         WHERE date = $1 AND ($2::bigint[] IS NULL OR currency_id = ANY($2)) \
         ORDER BY currency_id"
    ))
    .bind(day)
    .bind(currency_ids)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(MarketDayRow::into_market_day)
        .collect()
}

pub(super) async fn coin_spans(
    pool: &PgPool,
    currency_ids: Option<&[i64]>,
) -> StoreResult<Vec<CoinSpan>> {
    let rows: Vec<(i64, NaiveDate, NaiveDate, i64)> = sqlx::query_as(
        "SELECT currency_id, MIN(date), MAX(date), COUNT(*) FROM record \
         WHERE ($1::bigint[] IS NULL OR currency_id = ANY($1)) \
         GROUP BY currency_id ORDER BY currency_id",
    )
    .bind(currency_ids)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(currency_id, first_date, last_date, days)| CoinSpan {
            currency_id,
            first_date,
            last_date,
            days,
        })
        .collect())
}

pub(super) async fn records_between(
    pool: &PgPool,
    currency_ids: &[i64],
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> StoreResult<Vec<(i64, DailyRecord)>> {
    sqlx::query_as::<_, RecordRow>(
        "SELECT currency_id, date, open, high, low, close, volume, marketcap \
         FROM record \
         WHERE currency_id = ANY($1) \
           AND ($2::date IS NULL OR date >= $2) AND ($3::date IS NULL OR date <= $3) \
         ORDER BY currency_id, date",
    )
    .bind(currency_ids)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    .map_err(StoreError::from)
    .and_then(RecordRow::into_pairs)
}

/// Takes the session-level advisory lock `key` on a connection of its own (detached from the
/// pool, so it never goes back to it holding the lock); `None` when another session holds it.
pub(super) async fn try_advisory_lock(
    pool: &PgPool,
    key: i64,
) -> StoreResult<Option<PgConnection>> {
    let mut conn = pool.acquire().await?.detach();
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(key)
        .fetch_one(&mut conn)
        .await?;
    if locked {
        Ok(Some(conn))
    } else {
        let _ = conn.close().await;
        Ok(None)
    }
}

/// Releases the lock and closes the connection (which would release it anyway).
pub(super) async fn release_advisory_lock(mut conn: PgConnection, key: i64) {
    let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(key)
        .execute(&mut conn)
        .await;
    let _ = conn.close().await;
}

pub(super) async fn stream_records(
    pool: &PgPool,
    selection: &RecordSelection,
    sender: &BatchSender,
) -> StoreResult<()> {
    // Rows arrive as PostgreSQL sends them and are decoded one by one: the whole answer is
    // never held, here or in the driver (TCP back-pressure holds the server when we lag).
    // Only the conditions asked for are in the statement, so the planner sees each shape
    // (one coin: an index range; every coin: a scan in index order) for what it is.
    let mut query = QueryBuilder::<Postgres>::new(
        "SELECT currency_id, date, open, high, low, close, volume, marketcap \
         FROM record WHERE TRUE",
    );
    if let Some(ids) = &selection.currency_ids {
        query
            .push(" AND currency_id = ANY(")
            .push_bind(ids.clone())
            .push(")");
    }
    if let Some(from) = selection.from {
        query.push(" AND date >= ").push_bind(from);
    }
    if let Some(to) = selection.to {
        query.push(" AND date <= ").push_bind(to);
    }
    query.push(" ORDER BY currency_id, date");
    let rows = query.build_query_as::<RecordRow>().fetch(pool);
    forward_batches(rows, sender).await
}

pub(super) async fn market_caps_on(pool: &PgPool, day: NaiveDate) -> StoreResult<Vec<(i64, f64)>> {
    Ok(sqlx::query_as(
        "SELECT currency_id, marketcap FROM market_day WHERE date = $1 ORDER BY currency_id",
    )
    .bind(day)
    .fetch_all(pool)
    .await?)
}

pub(super) async fn close_extremes(
    pool: &PgPool,
    currency_ids: Option<&[i64]>,
    up_to: NaiveDate,
) -> StoreResult<Vec<CloseExtremes>> {
    // Two index ranges: every coin's extremes as of the first of the month, and the steps of
    // the month up to the day (the latest of each kind, if any, is the extreme).
    let month = super::first_of_month(up_to);
    let rows: Vec<super::CloseRow> = sqlx::query_as(
        "SELECT * FROM ( \
             SELECT currency_id, highest, highest_date, lowest, lowest_date \
             FROM close_month WHERE month = $1 \
             UNION ALL \
             SELECT currency_id, CASE WHEN highest THEN close END, \
                    CASE WHEN highest THEN date END, CASE WHEN lowest THEN close END, \
                    CASE WHEN lowest THEN date END \
             FROM close_step WHERE date >= $1 AND date <= $2) c \
         WHERE ($3::bigint[] IS NULL OR currency_id = ANY($3))",
    )
    .bind(month)
    .bind(up_to)
    .bind(currency_ids)
    .fetch_all(pool)
    .await?;
    Ok(super::latest_extremes_per_coin(rows))
}

/// Gives every coin without an id one (see `CoinId::for_name`), in id order.
pub(super) async fn fill_missing_coin_ids(pool: &PgPool) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    // One writer at a time: two servers starting at once must not both pick ids.
    sqlx::query("LOCK TABLE currency IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    assign_missing_coin_ids(tx).await
}

super::common_functions!(
    PgPool,
    sqlx::Postgres,
    first_placeholder: "$1",
    set_coin_id: "UPDATE currency SET coin_id = $1 WHERE id = $2",
);

/// A write that inserted at least this many rows is followed by `VACUUM (ANALYZE)`.
const MAINTAIN_AFTER_ROWS: usize = 10_000;

/// After a committed write of many rows: refresh the planner's statistics and the
/// visibility map now rather than whenever autovacuum comes by (if it is on at all: it is
/// off on our benchmark machine). Without statistics the dashboard's query on a freshly
/// loaded 7 M-row table was planned as a parallel sequential scan (1 s); without the
/// visibility map its index-only scan visits the heap (87 ms, vs 29 ms after). It costs
/// ~0.1 s after the 37,082 real rows, ~1-2 s after 7 M. VACUUM cannot run in a
/// transaction, hence after commit; the data is committed by then, so a failure is only
/// logged.
pub(super) async fn after_write(pool: &PgPool, inserted: usize) {
    if inserted < MAINTAIN_AFTER_ROWS {
        return;
    }
    if let Err(error) = sqlx::query("VACUUM (ANALYZE) record, close_step, close_month, market_day")
        .execute(pool)
        .await
    {
        tracing::warn!(%error, "VACUUM (ANALYZE) after a bulk load failed; autovacuum will do it later");
    }
}

pub(super) struct Writer {
    tx: Transaction<'static, Postgres>,
    /// Statements that restore what a bulk load dropped (secondary indexes, foreign keys),
    /// run before commit.
    deferred: Vec<String>,
}

impl Writer {
    /// Deletes the rows of these coins from each derived table, before they are written anew.
    async fn delete_coins_from(&mut self, tables: &[&str], ids: &[i64]) -> StoreResult<()> {
        for table in tables {
            sqlx::query(&format!("DELETE FROM {table} WHERE currency_id = ANY($1)"))
                .bind(ids)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    pub(super) async fn begin(pool: &PgPool) -> StoreResult<Writer> {
        let mut tx = pool.begin().await?;
        // Writers take turns: the row lock on the generation counter serializes them, so
        // the decision insert-or-update made from a read stays true until commit.
        sqlx::query("SELECT generation FROM data_generation WHERE id = 1 FOR UPDATE")
            .execute(&mut *tx)
            .await?;
        Ok(Writer {
            tx,
            deferred: Vec::new(),
        })
    }
}

/// The start of every binary COPY stream.
const COPY_SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";
/// Bytes sent to the server at a time during COPY.
const COPY_CHUNK_BYTES: usize = 1 << 20;

/// Streams `rows` into `statement` (a `COPY ... FROM STDIN (FORMAT binary)`), each encoded
/// by `encode`, a chunk at a time. Binary COPY: the rows stream in without a statement to plan
/// or arrays to unpack, and every float goes over bit for bit (no text round trip). On a
/// failed send the COPY is aborted, so the transaction reports the error, not a stuck stream.
async fn copy_binary<T>(
    tx: &mut Transaction<'static, Postgres>,
    statement: &str,
    rows: &[T],
    encode: impl Fn(&mut Vec<u8>, &T),
) -> StoreResult<()> {
    let mut copy = tx.copy_in_raw(statement).await?;
    // Room for a chunk and the row that crosses its end (a `market_day` row is ~250 bytes).
    let mut buffer = Vec::with_capacity(COPY_CHUNK_BYTES + 1024);
    buffer.extend_from_slice(COPY_SIGNATURE);
    buffer.extend_from_slice(&0i32.to_be_bytes()); // flags: no OIDs
    buffer.extend_from_slice(&0i32.to_be_bytes()); // no header extension
    let mut rows = rows.iter().peekable();
    loop {
        for row in rows.by_ref() {
            encode(&mut buffer, row);
            if buffer.len() >= COPY_CHUNK_BYTES {
                break;
            }
        }
        let done = rows.peek().is_none();
        if done {
            buffer.extend_from_slice(&(-1i16).to_be_bytes()); // end of data
        }
        if let Err(error) = copy.send(buffer.as_slice()).await {
            let _ = copy.abort("krispyto: the write failed").await;
            return Err(error.into());
        }
        if done {
            break;
        }
        buffer.clear();
    }
    copy.finish().await?;
    Ok(())
}

/// Appends one record row in PostgreSQL's binary COPY format (big-endian; a `date` is days
/// since 2000-01-01).
fn encode_copy_row(buffer: &mut Vec<u8>, currency_id: i64, record: &DailyRecord) {
    let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");
    let days = i32::try_from((record.date() - epoch).num_days())
        .expect("a calendar date is within 2^31 days of 2000");
    buffer.extend_from_slice(&8i16.to_be_bytes());
    buffer.extend_from_slice(&8i32.to_be_bytes());
    buffer.extend_from_slice(&currency_id.to_be_bytes());
    buffer.extend_from_slice(&4i32.to_be_bytes());
    buffer.extend_from_slice(&days.to_be_bytes());
    for value in record.values() {
        buffer.extend_from_slice(&8i32.to_be_bytes());
        buffer.extend_from_slice(&value.to_be_bytes());
    }
}

/// Appends one `market_day` row in the binary COPY format, its columns in the order of
/// `MARKET_DAY_COLUMNS`.
fn encode_market_day_row(buffer: &mut Vec<u8>, day: &MarketDay) {
    let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");
    let date = |buffer: &mut Vec<u8>, date: NaiveDate| {
        let days = i32::try_from((date - epoch).num_days())
            .expect("a calendar date is within 2^31 days of 2000");
        buffer.extend_from_slice(&4i32.to_be_bytes());
        buffer.extend_from_slice(&days.to_be_bytes());
    };
    let float = |buffer: &mut Vec<u8>, value: Option<f64>| match value {
        Some(value) => {
            buffer.extend_from_slice(&8i32.to_be_bytes());
            buffer.extend_from_slice(&value.to_be_bytes());
        }
        None => buffer.extend_from_slice(&(-1i32).to_be_bytes()),
    };
    buffer.extend_from_slice(&21i16.to_be_bytes());
    buffer.extend_from_slice(&8i32.to_be_bytes());
    buffer.extend_from_slice(&day.currency_id.to_be_bytes());
    date(buffer, day.record.date());
    for value in day.record.values() {
        float(buffer, Some(value));
    }
    for close in day.reference_closes {
        float(buffer, close);
    }
    float(buffer, day.previous.map(|p| p.close));
    float(buffer, day.previous.map(|p| p.market_cap));
    for point in [day.ath, day.highest_close, day.lowest_close] {
        float(buffer, Some(point.price));
        date(buffer, point.date);
    }
}

/// The columns of a batch of record rows, as arrays to bind.
struct Columns {
    currency_id: Vec<i64>,
    date: Vec<NaiveDate>,
    open: Vec<f64>,
    high: Vec<f64>,
    low: Vec<f64>,
    close: Vec<f64>,
    volume: Vec<f64>,
    market_cap: Vec<f64>,
}

impl Columns {
    fn of(rows: &[(i64, DailyRecord)]) -> Columns {
        Columns {
            currency_id: rows.iter().map(|(id, _)| *id).collect(),
            date: rows.iter().map(|(_, r)| r.date()).collect(),
            open: rows.iter().map(|(_, r)| r.open()).collect(),
            high: rows.iter().map(|(_, r)| r.high()).collect(),
            low: rows.iter().map(|(_, r)| r.low()).collect(),
            close: rows.iter().map(|(_, r)| r.close()).collect(),
            volume: rows.iter().map(|(_, r)| r.volume()).collect(),
            market_cap: rows.iter().map(|(_, r)| r.market_cap()).collect(),
        }
    }
}

impl WriteTransaction for Writer {
    super::common_writes! {
        insert_currency:
            "INSERT INTO currency (name, symbol, coin_id) VALUES ($1, $2, $3) RETURNING id",
        set_coin_id: "UPDATE currency SET coin_id = $1 WHERE id = $2",
        rename_currency: "UPDATE currency SET name = $1 WHERE id = $2",
        records_of: "SELECT currency_id, date, open, high, low, close, volume, marketcap \
            FROM record WHERE currency_id = $1 AND date BETWEEN $2 AND $3 ORDER BY date",
        move_digest_generation: "UPDATE coin_digest SET generation = $1 WHERE generation = $2",
    }

    async fn insert_records(&mut self, rows: &[(i64, DailyRecord)]) -> StoreResult<()> {
        copy_binary(
            &mut self.tx,
            "COPY record (currency_id, date, open, high, low, close, volume, marketcap) \
             FROM STDIN (FORMAT binary)",
            rows,
            |buffer, (currency_id, record)| encode_copy_row(buffer, *currency_id, record),
        )
        .await
    }

    async fn update_records(&mut self, rows: &[(i64, DailyRecord)]) -> StoreResult<()> {
        for chunk in rows.chunks(BATCH_ROWS) {
            let c = Columns::of(chunk);
            sqlx::query(
                "UPDATE record AS r SET open = u.open, high = u.high, low = u.low, \
                   close = u.close, volume = u.volume, marketcap = u.marketcap \
                 FROM UNNEST($1::bigint[], $2::date[], $3::float8[], $4::float8[], \
                             $5::float8[], $6::float8[], $7::float8[], $8::float8[]) \
                   AS u(currency_id, date, open, high, low, close, volume, marketcap) \
                 WHERE r.currency_id = u.currency_id AND r.date = u.date",
            )
            .bind(&c.currency_id)
            .bind(&c.date)
            .bind(&c.open)
            .bind(&c.high)
            .bind(&c.low)
            .bind(&c.close)
            .bind(&c.volume)
            .bind(&c.market_cap)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    async fn save_coin_digests(
        &mut self,
        digests: &[(i64, CoinDigest)],
        generation: i64,
    ) -> StoreResult<()> {
        let ids: Vec<i64> = digests.iter().map(|(id, _)| *id).collect();
        let records: Vec<i64> = digests.iter().map(|(_, d)| d.records).collect();
        let sha256: Vec<&[u8]> = digests.iter().map(|(_, d)| d.sha256.as_slice()).collect();
        sqlx::query(
            "INSERT INTO coin_digest (currency_id, records, sha256, generation) \
             SELECT id, n, h, $4 FROM UNNEST($1::bigint[], $2::bigint[], $3::bytea[]) AS u(id, n, h) \
             ON CONFLICT (currency_id) DO UPDATE \
             SET records = excluded.records, sha256 = excluded.sha256, generation = excluded.generation",
        )
        .bind(&ids)
        .bind(&records)
        .bind(&sha256)
        .bind(generation)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn replace_close_extremes(&mut self, rows: &CloseRows<'_>) -> StoreResult<()> {
        self.delete_coins_from(&["close_step", "close_month"], &rows.ids)
            .await?;
        for chunk in rows.steps.chunks(BATCH_ROWS) {
            let currency_id: Vec<i64> = chunk.iter().map(|r| r.0).collect();
            let date: Vec<NaiveDate> = chunk.iter().map(|r| r.1.date).collect();
            let close: Vec<f64> = chunk.iter().map(|r| r.1.close).collect();
            let highest: Vec<bool> = chunk.iter().map(|r| r.1.highest).collect();
            let lowest: Vec<bool> = chunk.iter().map(|r| r.1.lowest).collect();
            sqlx::query(
                "INSERT INTO close_step (currency_id, date, close, highest, lowest) \
                 SELECT * FROM UNNEST($1::bigint[], $2::date[], $3::float8[], $4::bool[], $5::bool[])",
            )
            .bind(&currency_id)
            .bind(&date)
            .bind(&close)
            .bind(&highest)
            .bind(&lowest)
            .execute(&mut *self.tx)
            .await?;
        }
        for chunk in rows.months.chunks(BATCH_ROWS) {
            let currency_id: Vec<i64> = chunk.iter().map(|r| r.0).collect();
            let month: Vec<NaiveDate> = chunk.iter().map(|r| r.1).collect();
            let highest: Vec<f64> = chunk.iter().map(|r| r.2.highest).collect();
            let highest_date: Vec<NaiveDate> = chunk.iter().map(|r| r.2.highest_date).collect();
            let lowest: Vec<f64> = chunk.iter().map(|r| r.2.lowest).collect();
            let lowest_date: Vec<NaiveDate> = chunk.iter().map(|r| r.2.lowest_date).collect();
            sqlx::query(
                "INSERT INTO close_month \
                     (currency_id, month, highest, highest_date, lowest, lowest_date) \
                 SELECT * FROM UNNEST($1::bigint[], $2::date[], $3::float8[], $4::date[], \
                     $5::float8[], $6::date[])",
            )
            .bind(&currency_id)
            .bind(&month)
            .bind(&highest)
            .bind(&highest_date)
            .bind(&lowest)
            .bind(&lowest_date)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    async fn replace_market_days(
        &mut self,
        from: &[(i64, NaiveDate)],
        rows: &[MarketDay],
    ) -> StoreResult<()> {
        if !from.is_empty() {
            let (ids, days): (Vec<i64>, Vec<NaiveDate>) = from.iter().copied().unzip();
            sqlx::query(
                "DELETE FROM market_day m USING UNNEST($1::bigint[], $2::date[]) AS u(id, day) \
                 WHERE m.currency_id = u.id AND m.date >= u.day",
            )
            .bind(&ids)
            .bind(&days)
            .execute(&mut *self.tx)
            .await?;
        }
        if rows.is_empty() {
            return Ok(());
        }
        copy_binary(
            &mut self.tx,
            &format!("COPY market_day ({MARKET_DAY_COLUMNS}) FROM STDIN (FORMAT binary)"),
            rows,
            encode_market_day_row,
        )
        .await
    }

    fn batch_rows(&self) -> usize {
        BATCH_ROWS
    }

    /// A bulk load (see `write::apply`) drops the secondary (non-unique) indexes and the
    /// foreign keys of `record` and `market_day`, and restores them before commit. In the COPY
    /// profile of 7 M rows, b-tree insertion into a secondary index (each row lands at a
    /// random place; then `record`'s by-date index, dropped by migration 0009) took half the
    /// time and the per-row foreign-key trigger most of the rest; an index build is one sort,
    /// and re-adding the foreign key checks every row in one join. The price: the dropped
    /// index and constraints hold an exclusive lock on the tables until commit, so readers
    /// wait for a bulk load instead of reading the old data meanwhile; a load that large is a
    /// first import.
    async fn begin_bulk(&mut self) -> StoreResult<()> {
        // Read back the definitions from the catalog, so whatever the migrations made is
        // what gets restored; a rollback restores them too. `market_day` is written in the
        // same load (its key index stays: rows arrive in its order).
        for table in ["record", "market_day"] {
            let indexes: Vec<(String, String)> = sqlx::query_as(
                "SELECT quote_ident(i.relname), pg_get_indexdef(i.oid) \
                 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
                 WHERE x.indrelid = $1::regclass AND NOT x.indisunique AND NOT x.indisprimary",
            )
            .bind(table)
            .fetch_all(&mut *self.tx)
            .await?;
            for (name, definition) in indexes {
                sqlx::query(&format!("DROP INDEX {name}"))
                    .execute(&mut *self.tx)
                    .await?;
                self.deferred.push(definition);
            }
            let foreign_keys: Vec<(String, String)> = sqlx::query_as(
                "SELECT quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint \
                 WHERE conrelid = $1::regclass AND contype = 'f'",
            )
            .bind(table)
            .fetch_all(&mut *self.tx)
            .await?;
            for (name, definition) in foreign_keys {
                sqlx::query(&format!("ALTER TABLE {table} DROP CONSTRAINT {name}"))
                    .execute(&mut *self.tx)
                    .await?;
                self.deferred.push(format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
                ));
            }
        }
        Ok(())
    }

    async fn finish_bulk(&mut self) -> StoreResult<()> {
        if self.deferred.is_empty() {
            return Ok(());
        }
        // Enough sort memory to build an index of millions of rows mostly in RAM;
        // LOCAL: back to the server's setting at commit.
        sqlx::query("SET LOCAL maintenance_work_mem = '256MB'")
            .execute(&mut *self.tx)
            .await?;
        for statement in std::mem::take(&mut self.deferred) {
            sqlx::query(&statement).execute(&mut *self.tx).await?;
        }
        Ok(())
    }
}
