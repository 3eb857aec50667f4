//! `GET /api/v1/markets`: every coin on a day, ranked by market cap, with changes over 1 to
//! 365 days and the drawdown from the all-time high; sorted and paged.
//!
//! Cost is three queries whatever the number of coins: the date range, the coins, and every
//! coin's row of the day in `market_day` (its record, the reference closes of the 5 changes
//! and its all-time high, kept by every write; every coin's, as the rank counts them all).
//! They make the day's table of the selected coins, cached once per data generation: every page and
//! sort order of that selection and day is cut from it, without asking the store again.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::analytics::market_day::MarketDay;
use crate::analytics::markets::{
    market_cap_ranks, market_rows_of_days, sort_market_rows, MarketOrder, MarketRow,
};
use crate::analytics::SortDirection;
use crate::cache::{CacheKey, Json};
use crate::domain::Currency;
use crate::http::error::ErrorBody;
use crate::http::params::{bounded_integer, optional_date, query_params, CoinSelection};
use crate::http::{ApiError, AppState};

/// The largest page.
pub const MAX_PER_PAGE: u32 = 250;
pub const DEFAULT_PER_PAGE: u32 = 100;

/// The query string of `/api/v1/markets`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MarketsParams {
    /// `YYYY-MM-DD`; default: the latest day in the data.
    #[param(value_type = Option<NaiveDate>, example = "2021-07-06")]
    pub date: Option<String>,
    /// `all` (default) or a comma-separated list of symbols or names, any case; an id
    /// matching no coin: 404.
    #[param(pattern = r"[^\s,]", example = "btc,eth")]
    pub ids: Option<String>,
    /// A row's numeric field or `name`/`symbol`, any case; default `market_cap`. Nulls sort
    /// last in both directions.
    #[param(value_type = Option<MarketOrder>, inline)]
    pub order_by: Option<String>,
    /// `asc` or `desc` (default), any case.
    #[param(value_type = Option<SortDirection>, inline)]
    pub order_type: Option<String>,
    /// 1-based page number; default 1. A page past the last is empty.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 4294967295_u64, default = 1)]
    pub page: Option<String>,
    /// Rows per page, 1 to 250; default 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 250, default = 100)]
    pub per_page: Option<String>,
}

/// `GET /api/v1/markets`: one page.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MarketsPage {
    pub date: NaiveDate,
    /// Rows on every page together.
    pub total: usize,
    pub page: u32,
    pub per_page: u32,
    pub data: Vec<MarketRow>,
}

/// A markets request, parsed.
#[derive(Debug, Clone, PartialEq)]
struct MarketsQuery {
    date: Option<NaiveDate>,
    coins: CoinSelection,
    order_by: MarketOrder,
    direction: SortDirection,
    page: u32,
    per_page: u32,
}

impl MarketsQuery {
    fn parse(params: &MarketsParams) -> Result<MarketsQuery, ApiError> {
        let date = optional_date("date", params.date.as_deref())?;
        let coins = match params.ids.as_deref() {
            None => CoinSelection::All,
            Some(raw) => CoinSelection::parse("ids", Some(raw))?,
        };
        let order_by = match params.order_by.as_deref() {
            None => MarketOrder::MarketCap,
            Some(raw) => raw.parse().map_err(|reason| {
                ApiError::BadRequest(format!("The 'order_by' parameter is invalid: {reason}."))
            })?,
        };
        let direction = match params.order_type.as_deref() {
            None => SortDirection::Desc,
            Some(raw) => raw.parse().map_err(|reason| {
                ApiError::BadRequest(format!("The 'order_type' parameter is invalid: {reason}."))
            })?,
        };
        let page = bounded_integer("page", params.page.as_deref(), 1, 1, u32::MAX)?;
        let per_page = bounded_integer(
            "per_page",
            params.per_page.as_deref(),
            DEFAULT_PER_PAGE,
            1,
            MAX_PER_PAGE,
        )?;
        Ok(MarketsQuery {
            date,
            coins,
            order_by,
            direction,
            page,
            per_page,
        })
    }
}

// Through the read cache. The rows are sorted, so the order of `ids` does not change the
// answer and the key treats them as a set.
#[utoipa::path(
    get,
    path = "/api/v1/markets",
    tag = "v1",
    operation_id = "markets",
    summary = "Every coin on a day: rank, prices, changes, all-time high, drawdown",
    description = "One row per selected coin with a record on `date`. `rank` is by market cap \
        that day among every coin with a market cap > 0 (null otherwise). `change_*` are percent \
        changes of the close over 1, 7, 30, 90 and 365 days with the as-of rule of /dashboard \
        (the reference is the latest record on or before the reference day if at most 3 days \
        older; else null). `ath` is the highest daily high up to the day, `drawdown` the percent \
        from it. Sorted by `order_by`, then paged.",
    params(MarketsParams),
    responses(
        (status = 200, description = "One page of rows.", body = MarketsPage),
        (status = 400, description = "A parameter is empty or malformed; the message names it.",
            body = ErrorBody, example = json!({"error": "The 'per_page' parameter is '300': give a whole number from 1 to 250 (default 100)."})),
        (status = 404, description = "An id matches no coin, no selected coin has a record on \
            `date`, or the database holds no prices yet.", body = ErrorBody),
        (status = 500, description = "The database cannot be read.", body = ErrorBody),
    )
)]
pub async fn markets(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<MarketsParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = MarketsQuery::parse(&query_params(params)?)?;
    let date = query
        .date
        .map_or_else(|| "latest".to_owned(), |d| d.to_string());
    // The table is the same for every order and page: one entry serves them all.
    let table_key = query
        .coins
        .add_to_key(CacheKey::new("v1/markets/table"), "ids")
        .param("date", &date);
    let key = query
        .coins
        .add_to_key(CacheKey::new("v1/markets"), "ids")
        .param("date", &date)
        .param("order_by", format!("{:?}", query.order_by))
        .param("order_type", format!("{:?}", query.direction))
        .param("page", query.page)
        .param("per_page", query.per_page);
    Ok(state
        .cache
        .respond(&headers, &key, || async {
            let table = state
                .tables
                .v1
                .get_or_compute(&table_key, || market_table(&state, &query))
                .await?;
            Ok(markets_page(&table, &query))
        })
        .await)
}

/// The rows of every selected coin on the day, unsorted: what every page and sort order of
/// one selection and day is cut from (cached once per data generation).
#[derive(Debug, Serialize, Deserialize)]
pub struct MarketTable {
    day: NaiveDate,
    rows: Vec<MarketRow>,
}

/// A constant number of queries, whatever the number of coins.
async fn market_table(
    state: &AppState,
    query: &MarketsQuery,
) -> Result<Json<MarketTable>, ApiError> {
    let Some((first, last)) = state.store.date_range().await? else {
        return Err(ApiError::NotFound(
            "The database holds no prices yet: import data first (krispyto import ...).".into(),
        ));
    };
    let currencies = state.store.currencies().await?;
    let selected = query.coins.resolve(&currencies)?;
    let day = query.date.unwrap_or(last);
    // Every coin's row of the day, whichever coins were asked for: a rank counts them all.
    let days = state.store.market_days(day, None).await?;
    let by_id: HashMap<i64, &MarketDay> = days.iter().map(|d| (d.currency_id, d)).collect();
    let ranked: Vec<(&Currency, f64)> = currencies
        .iter()
        .filter_map(|c| by_id.get(&c.id).map(|d| (c, d.record.market_cap())))
        .collect();
    let ranks = market_cap_ranks(&ranked);
    let coins: Vec<(&Currency, &MarketDay)> = selected
        .iter()
        .filter_map(|c| by_id.get(&c.id).map(|d| (*c, *d)))
        .collect();
    let rows: Vec<MarketRow> = market_rows_of_days(&coins, &ranks);
    if rows.is_empty() {
        return Err(ApiError::NotFound(format!(
            "No requested coin has a record on {day}. The data covers {first} to {last}."
        )));
    }
    Ok(Json::new(MarketTable { day, rows }))
}

/// One page of `table`, sorted as asked.
fn markets_page(table: &MarketTable, query: &MarketsQuery) -> MarketsPage {
    let mut rows: Vec<&MarketRow> = table.rows.iter().collect();
    sort_market_rows(&mut rows, query.order_by, query.direction);
    let start = (query.page as usize - 1).saturating_mul(query.per_page as usize);
    let data = rows
        .into_iter()
        .skip(start)
        .take(query.per_page as usize)
        .cloned()
        .collect();
    MarketsPage {
        date: table.day,
        total: table.rows.len(),
        page: query.page,
        per_page: query.per_page,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<MarketsQuery, ApiError> {
        let mut params = MarketsParams::default();
        for (key, value) in pairs {
            let value = Some(value.to_string());
            match *key {
                "date" => params.date = value,
                "ids" => params.ids = value,
                "order_by" => params.order_by = value,
                "order_type" => params.order_type = value,
                "page" => params.page = value,
                "per_page" => params.per_page = value,
                _ => unreachable!(),
            }
        }
        MarketsQuery::parse(&params)
    }

    fn bad(pairs: &[(&str, &str)]) -> String {
        crate::test_support::bad_request_message(parse(pairs))
    }

    #[test]
    fn defaults() {
        let q = parse(&[]).unwrap();
        assert_eq!(q.coins, CoinSelection::All);
        assert_eq!(
            (q.order_by, q.direction),
            (MarketOrder::MarketCap, SortDirection::Desc)
        );
        assert_eq!((q.page, q.per_page, q.date), (1, 100, None));
    }

    #[test]
    fn every_bad_parameter_is_named() {
        assert!(bad(&[("date", "2021-13-01")]).contains("'date'"));
        assert!(bad(&[("ids", " ")]).contains("'ids'"));
        assert!(bad(&[("order_by", "ath_date")]).contains("'order_by'"));
        assert!(bad(&[("order_type", "up")]).contains("'order_type'"));
        assert!(bad(&[("page", "0")]).contains("'page'"));
        assert!(bad(&[("per_page", "251")]).contains("'per_page'"));
        assert!(bad(&[("per_page", "0")]).contains("'per_page'"));
    }
}
