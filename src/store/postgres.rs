//! PostgreSQL statements. Bulk writes bind whole columns as arrays and `UNNEST` them, so a
//! batch of thousands of rows is one statement and one round trip.

use std::str::FromStr;

use chrono::NaiveDate;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};

use super::write::WriteTransaction;
use super::{AllTimeHigh, CoinSpan, CurrencyRow, RecordRow, StoreError, StoreOptions, StoreResult};
use crate::domain::{Currency, DailyRecord, Symbol};

/// Rows per bulk statement: large enough to amortize the round trip, small enough to keep
/// the bound arrays a few MB.
const BATCH_ROWS: usize = 20_000;

pub(super) async fn connect(url: &str, options: &StoreOptions) -> StoreResult<PgPool> {
    let connect = PgConnectOptions::from_str(url)
        .map_err(|_| StoreError::UnsupportedUrl(url.to_owned()))?
        .application_name("krispyto");
    Ok(PgPoolOptions::new()
        .max_connections(options.max_connections)
        .acquire_timeout(options.acquire_timeout)
        .connect_with(connect)
        .await?)
}

pub(super) async fn currencies(pool: &PgPool) -> StoreResult<Vec<Currency>> {
    sqlx::query_as::<_, CurrencyRow>("SELECT id, name, symbol FROM currency ORDER BY id")
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(CurrencyRow::into_currency)
        .collect()
}

pub(super) async fn date_range(pool: &PgPool) -> StoreResult<Option<(NaiveDate, NaiveDate)>> {
    let (first, last): (Option<NaiveDate>, Option<NaiveDate>) =
        sqlx::query_as("SELECT MIN(date), MAX(date) FROM record")
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
    Ok(sqlx::query_as::<_, RecordRow>(
        "SELECT currency_id, date, open, high, low, close, volume, marketcap \
         FROM record \
         WHERE date = ANY($1) AND ($2::bigint[] IS NULL OR currency_id = ANY($2)) \
         ORDER BY currency_id, date",
    )
    .bind(days)
    .bind(currency_ids)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(RecordRow::into_pair)
    .collect())
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
    Ok(sqlx::query_as::<_, RecordRow>(
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
    .await?
    .into_iter()
    .map(RecordRow::into_pair)
    .collect())
}

pub(super) async fn market_caps_on(pool: &PgPool, day: NaiveDate) -> StoreResult<Vec<(i64, f64)>> {
    Ok(sqlx::query_as(
        "SELECT currency_id, marketcap FROM record WHERE date = $1 ORDER BY currency_id",
    )
    .bind(day)
    .fetch_all(pool)
    .await?)
}

pub(super) async fn all_time_highs(
    pool: &PgPool,
    currency_ids: Option<&[i64]>,
    up_to: NaiveDate,
) -> StoreResult<Vec<AllTimeHigh>> {
    // One probe of record_currency_high_idx per coin: its first row on or before the day in
    // (high desc, date asc) order is the highest high, reached earliest.
    let rows: Vec<(i64, f64, NaiveDate)> = sqlx::query_as(
        "SELECT c.id, h.high, h.date FROM currency c \
         CROSS JOIN LATERAL (SELECT high, date FROM record \
             WHERE currency_id = c.id AND date <= $1 \
             ORDER BY high DESC, date LIMIT 1) h \
         WHERE ($2::bigint[] IS NULL OR c.id = ANY($2)) \
         ORDER BY c.id",
    )
    .bind(up_to)
    .bind(currency_ids)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(currency_id, price, date)| AllTimeHigh {
            currency_id,
            price,
            date,
        })
        .collect())
}

pub(super) async fn record_count(pool: &PgPool) -> StoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM record")
        .fetch_one(pool)
        .await?)
}

pub(super) async fn generation(pool: &PgPool) -> StoreResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT generation FROM data_generation WHERE id = 1")
            .fetch_one(pool)
            .await?,
    )
}

pub(super) struct Writer(Transaction<'static, Postgres>);

impl Writer {
    pub(super) async fn begin(pool: &PgPool) -> StoreResult<Writer> {
        let mut tx = pool.begin().await?;
        // Writers take turns: the row lock on the generation counter serializes them, so
        // the decision insert-or-update made from a read stays true until commit.
        sqlx::query("SELECT generation FROM data_generation WHERE id = 1 FOR UPDATE")
            .execute(&mut *tx)
            .await?;
        Ok(Writer(tx))
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
            date: rows.iter().map(|(_, r)| r.date).collect(),
            open: rows.iter().map(|(_, r)| r.open).collect(),
            high: rows.iter().map(|(_, r)| r.high).collect(),
            low: rows.iter().map(|(_, r)| r.low).collect(),
            close: rows.iter().map(|(_, r)| r.close).collect(),
            volume: rows.iter().map(|(_, r)| r.volume).collect(),
            market_cap: rows.iter().map(|(_, r)| r.market_cap).collect(),
        }
    }
}

impl WriteTransaction for Writer {
    async fn currencies(&mut self) -> StoreResult<Vec<Currency>> {
        sqlx::query_as::<_, CurrencyRow>("SELECT id, name, symbol FROM currency ORDER BY id")
            .fetch_all(&mut *self.0)
            .await?
            .into_iter()
            .map(CurrencyRow::into_currency)
            .collect()
    }

    async fn insert_currency(&mut self, symbol: &Symbol, name: &str) -> StoreResult<i64> {
        Ok(
            sqlx::query_scalar("INSERT INTO currency (name, symbol) VALUES ($1, $2) RETURNING id")
                .bind(name)
                .bind(symbol.as_str())
                .fetch_one(&mut *self.0)
                .await?,
        )
    }

    async fn rename_currency(&mut self, id: i64, name: &str) -> StoreResult<()> {
        sqlx::query("UPDATE currency SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(id)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn records_of(&mut self, currency_id: i64) -> StoreResult<Vec<DailyRecord>> {
        Ok(sqlx::query_as::<_, RecordRow>(
            "SELECT currency_id, date, open, high, low, close, volume, marketcap \
             FROM record WHERE currency_id = $1 ORDER BY date",
        )
        .bind(currency_id)
        .fetch_all(&mut *self.0)
        .await?
        .into_iter()
        .map(|row| row.into_pair().1)
        .collect())
    }

    async fn insert_records(&mut self, rows: &[(i64, DailyRecord)]) -> StoreResult<()> {
        for chunk in rows.chunks(BATCH_ROWS) {
            let c = Columns::of(chunk);
            sqlx::query(
                "INSERT INTO record (currency_id, date, open, high, low, close, volume, marketcap) \
                 SELECT * FROM UNNEST($1::bigint[], $2::date[], $3::float8[], $4::float8[], \
                                      $5::float8[], $6::float8[], $7::float8[], $8::float8[])",
            )
            .bind(&c.currency_id)
            .bind(&c.date)
            .bind(&c.open)
            .bind(&c.high)
            .bind(&c.low)
            .bind(&c.close)
            .bind(&c.volume)
            .bind(&c.market_cap)
            .execute(&mut *self.0)
            .await?;
        }
        Ok(())
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
            .execute(&mut *self.0)
            .await?;
        }
        Ok(())
    }

    fn batch_rows(&self) -> usize {
        BATCH_ROWS
    }

    async fn bump_generation(&mut self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "UPDATE data_generation SET generation = generation + 1 WHERE id = 1 RETURNING generation",
        )
        .fetch_one(&mut *self.0)
        .await?)
    }

    async fn current_generation(&mut self) -> StoreResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT generation FROM data_generation WHERE id = 1")
                .fetch_one(&mut *self.0)
                .await?,
        )
    }

    async fn commit(self) -> StoreResult<()> {
        Ok(self.0.commit().await?)
    }
}
