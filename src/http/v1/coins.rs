//! `GET /api/v1/coins`, `GET /api/v1/coins/{symbol}` and
//! `GET /api/v1/coins/{symbol}/history`.

use std::collections::HashMap;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::coin_by_symbol;
use crate::analytics::candles::{candles, Candle, Interval, MAX_CANDLES};
use crate::analytics::coins::{overview, PricePoint};
use crate::analytics::prices::Prices;
use crate::cache::CacheKey;
use crate::domain::DailyRecord;
use crate::http::error::ErrorBody;
use crate::http::params::{date_range, query_params};
use crate::http::{ApiError, AppState};

/// One coin in the list.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CoinSummary {
    /// The coin's `/api/v3` id (CoinGecko's for known coins, else a slug of the name).
    #[schema(example = "bitcoin")]
    pub id: String,
    pub symbol: String,
    pub name: String,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    /// The number of daily records (days missing from the data are not counted).
    pub days: i64,
}

/// A price and the day it was reached.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DatedPrice {
    pub price: f64,
    pub date: NaiveDate,
}

impl From<PricePoint> for DatedPrice {
    fn from(p: PricePoint) -> Self {
        DatedPrice {
            price: p.price,
            date: p.date,
        }
    }
}

/// `GET /api/v1/coins/{symbol}`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CoinDetail {
    pub symbol: String,
    pub name: String,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    pub days: usize,
    /// The most recent record.
    pub latest: Prices,
    /// The highest daily high (the earliest day on a tie).
    pub ath: DatedPrice,
    /// The lowest daily low (the earliest day on a tie).
    pub atl: DatedPrice,
}

/// The query string of `/api/v1/coins/{symbol}/history`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// First day, `YYYY-MM-DD`; default: the coin's first record. After `to`: 400.
    #[param(value_type = Option<NaiveDate>, example = "2021-06-01")]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`; default: the coin's last record.
    #[param(value_type = Option<NaiveDate>, example = "2021-07-06")]
    pub to: Option<String>,
    /// `1d` (default), `1w` (ISO weeks, Monday start) or `1M` (calendar months); exactly
    /// these spellings. A range of more than 10,000 candles: 400.
    #[param(value_type = Option<Interval>, inline)]
    pub interval: Option<String>,
}

/// `GET /api/v1/coins/{symbol}/history`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CoinHistory {
    pub symbol: String,
    pub interval: String,
    /// Ascending by date.
    pub candles: Vec<Candle>,
}

/// A history request, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct HistoryQuery {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    interval: Interval,
}

impl HistoryQuery {
    fn parse(params: &HistoryParams) -> Result<HistoryQuery, ApiError> {
        let (from, to) = date_range(params.from.as_deref(), params.to.as_deref())?;
        let interval = match params.interval.as_deref() {
            None => Interval::Day,
            Some(raw) => raw.parse().map_err(|reason| {
                ApiError::BadRequest(format!("The 'interval' parameter is invalid: {reason}."))
            })?,
        };
        Ok(HistoryQuery { from, to, interval })
    }
}

/// The `{symbol}` path segment, or a JSON 400.
fn path_symbol(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(symbol)| symbol).map_err(|rejection| {
        ApiError::BadRequest(format!(
            "The coin symbol in the path cannot be read: {}.",
            rejection.body_text()
        ))
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/coins",
    tag = "v1",
    operation_id = "list_coins",
    summary = "Every coin with its first and last day",
    responses(
        (status = 200, description = "Every coin that has records, ordered by symbol.",
            body = [CoinSummary], example = json!([{"symbol": "BTC", "name": "Bitcoin",
            "first_date": "2013-04-29", "last_date": "2021-07-06", "days": 2991}])),
        (status = 500, description = "The database cannot be read.", body = ErrorBody),
    )
)]
pub async fn list_coins(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let key = CacheKey::new("v1/coins");
    state
        .cache
        .respond(&headers, &key, || coin_list(&state))
        .await
}

/// Every coin with records, ordered by symbol. Two queries.
async fn coin_list(state: &AppState) -> Result<Vec<CoinSummary>, ApiError> {
    let currencies = state.store.currencies().await?;
    let spans: HashMap<i64, _> = state
        .store
        .coin_spans(None)
        .await?
        .into_iter()
        .map(|span| (span.currency_id, span))
        .collect();
    let mut coins: Vec<CoinSummary> = currencies
        .iter()
        .filter_map(|c| {
            let span = spans.get(&c.id)?;
            Some(CoinSummary {
                id: c.coin_id.to_string(),
                symbol: c.symbol.to_string(),
                name: c.name.clone(),
                first_date: span.first_date,
                last_date: span.last_date,
                days: span.days,
            })
        })
        .collect();
    coins.sort_by(|a, b| a.symbol.cmp(&b.symbol));
    Ok(coins)
}

#[utoipa::path(
    get,
    path = "/api/v1/coins/{symbol}",
    tag = "v1",
    operation_id = "get_coin",
    summary = "One coin: its latest record, all-time high and low",
    params(("symbol" = String, Path, description = "The coin's symbol, any case.", example = "BTC")),
    responses(
        (status = 200, description = "The coin, its latest record, and its all-time high and \
            low (from daily highs and lows; the earliest day on a tie).", body = CoinDetail),
        (status = 400, description = "The symbol in the path cannot be read (not UTF-8).",
            body = ErrorBody),
        (status = 404, description = "No coin has that symbol, or it has no records yet.",
            body = ErrorBody, example = json!({"error": "No coin has the symbol 'XYZ'. GET /api/v1/coins lists every coin; /api/v1/search?q=... finds one by name."})),
        (status = 500, description = "The database cannot be read.", body = ErrorBody),
    )
)]
pub async fn get_coin(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let symbol = path_symbol(path)?;
    let key = CacheKey::new("v1/coin").param("symbol", symbol.trim().to_ascii_uppercase());
    Ok(state
        .cache
        .respond(&headers, &key, || coin_detail(&state, &symbol))
        .await)
}

/// Two queries: the coin (by symbol), then its records.
async fn coin_detail(state: &AppState, symbol: &str) -> Result<CoinDetail, ApiError> {
    let coin = coin_by_symbol(&state.store, symbol).await?;
    let records: Vec<DailyRecord> = state
        .store
        .records_between(&[coin.id], None, None)
        .await?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    let o = overview(&records).ok_or_else(|| {
        ApiError::NotFound(format!("The coin {} has no records yet.", coin.symbol))
    })?;
    Ok(CoinDetail {
        symbol: coin.symbol.to_string(),
        name: coin.name.clone(),
        first_date: o.first_date,
        last_date: o.last_date,
        days: o.days,
        latest: Prices::from(&o.latest),
        ath: o.ath.into(),
        atl: o.atl.into(),
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/coins/{symbol}/history",
    tag = "v1",
    operation_id = "coin_history",
    summary = "OHLCV candles by day, ISO week or calendar month",
    description = "Candles over `from`..`to` (default: the coin's whole history): open = the \
        first day's open, close = the last day's close, high = max, low = min, volume = sum, \
        market_cap = the last day's; `days` says how many daily records each holds. Candle \
        `date` is the period start (the day, the ISO week's Monday, the 1st of the month); \
        candles ascend by date.",
    params(
        ("symbol" = String, Path, description = "The coin's symbol, any case.", example = "BTC"),
        HistoryParams,
    ),
    responses(
        (status = 200, description = "The candles, ascending.", body = CoinHistory,
            example = json!({"symbol": "BTC", "interval": "1w", "candles": [{"date": "2021-06-28",
            "open": 34.5, "high": 36.1, "low": 33.2, "close": 35.0, "volume": 1.2e11,
            "market_cap": 6.4e11, "days": 7}]})),
        (status = 400, description = "A parameter is malformed, `from` is after `to`, or the \
            range spans more than 10,000 candles; the message names the parameter.",
            body = ErrorBody, example = json!({"error": "The 'from' parameter (2021-07-02) is after 'to' (2021-07-01): give from <= to."})),
        (status = 404, description = "No coin has that symbol.", body = ErrorBody),
        (status = 500, description = "The database cannot be read.", body = ErrorBody),
    )
)]
pub async fn coin_history(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    params: Result<Query<HistoryParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let symbol = path_symbol(path)?;
    let query = HistoryQuery::parse(&query_params(params)?)?;
    let key = CacheKey::new("v1/history")
        .param("symbol", symbol.trim().to_ascii_uppercase())
        .param("query", format!("{query:?}"));
    Ok(state
        .cache
        .respond(&headers, &key, || history(&state, &symbol, query))
        .await)
}

/// At most three queries: the coins, the coin's span when a bound is left open, its
/// records in the range.
async fn history(
    state: &AppState,
    symbol: &str,
    query: HistoryQuery,
) -> Result<CoinHistory, ApiError> {
    let coin = coin_by_symbol(&state.store, symbol).await?;

    // The range a client asked for, open bounds closed by the coin's own first/last day.
    let range = match (query.from, query.to) {
        (Some(from), Some(to)) => Some((from, to)),
        (from, to) => state
            .store
            .coin_spans(Some(&[coin.id]))
            .await?
            .first()
            .map(|span| {
                (
                    from.unwrap_or(span.first_date),
                    to.unwrap_or(span.last_date),
                )
            }),
    };
    if let Some((from, to)) = range {
        let count = query.interval.periods_between(from, to);
        if count > MAX_CANDLES {
            return Err(ApiError::BadRequest(format!(
                "The range {from} to {to} spans {count} candles of {}; at most {MAX_CANDLES} are \
                 served at once: narrow 'from'/'to' or use a wider 'interval'.",
                query.interval.as_str()
            )));
        }
    }
    let records: Vec<DailyRecord> = state
        .store
        .records_between(&[coin.id], query.from, query.to)
        .await?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    Ok(CoinHistory {
        symbol: coin.symbol.to_string(),
        interval: query.interval.as_str().to_owned(),
        candles: candles(&records, query.interval),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(from: Option<&str>, to: Option<&str>, interval: Option<&str>) -> HistoryParams {
        HistoryParams {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            interval: interval.map(str::to_owned),
        }
    }

    #[test]
    fn history_parameters_parse_with_defaults() {
        let q = HistoryQuery::parse(&params(None, None, None)).unwrap();
        assert_eq!((q.from, q.to, q.interval), (None, None, Interval::Day));
        let q = HistoryQuery::parse(&params(Some("2021-6-28"), None, Some("1M"))).unwrap();
        assert_eq!(q.from, NaiveDate::from_ymd_opt(2021, 6, 28));
        assert_eq!(q.interval, Interval::Month);
        match HistoryQuery::parse(&params(None, None, Some("1h"))) {
            Err(ApiError::BadRequest(m)) => assert!(m.contains("'interval'"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
