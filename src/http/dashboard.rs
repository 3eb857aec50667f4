//! `GET /dashboard`: the compatibility route of the original frontend (shared/SPEC.md).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;

use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::error::ErrorBody;
use super::params::CoinSelection;
use super::Answer;
use super::{ApiError, AppState};
use crate::analytics::dashboard::{dashboard_rows_of_days, sort_rows, DashboardLine, OrderBy};
use crate::analytics::market_day::MarketDay;
use crate::analytics::SortDirection;
use crate::cache::CacheKey;
use crate::domain::{Currency, RecordDate};
use crate::store::Store;

/// One line of the dashboard, with the field names the original frontend reads.
/// (`ToSchema` documents it in /openapi.json exactly as serde writes it.)
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"crypto": "Bitcoin", "symbol": "BTC", "price": 34235.19, "24h": 1.52,
    "7d": -2.1, "1m": null, "24h-volume": 26501259869.76, "market-cap": 641899161593.76}))]
pub struct DashboardRow {
    /// The coin's name.
    pub crypto: String,
    /// The coin's symbol, upper-case.
    pub symbol: String,
    /// That day's close.
    pub price: f64,
    /// Percent change of the close against the day before (see the route's null rule).
    #[serde(rename = "24h")]
    pub change_24h: Option<f64>,
    /// Percent change of the close against 7 days before.
    #[serde(rename = "7d")]
    pub change_7d: Option<f64>,
    /// Percent change of the close against 30 days before.
    #[serde(rename = "1m")]
    pub change_1m: Option<f64>,
    /// That day's volume.
    #[serde(rename = "24h-volume")]
    pub volume_24h: f64,
    /// That day's market cap (0 where the source has none).
    #[serde(rename = "market-cap")]
    pub market_cap: f64,
}

impl From<DashboardLine> for DashboardRow {
    fn from(line: DashboardLine) -> DashboardRow {
        DashboardRow {
            crypto: line.crypto,
            symbol: line.symbol,
            price: line.price,
            change_24h: line.change_24h,
            change_7d: line.change_7d,
            change_1m: line.change_1m,
            volume_24h: line.volume_24h,
            market_cap: line.market_cap,
        }
    }
}

/// A `/dashboard` request, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardQuery {
    pub coins: CoinSelection,
    pub date: Option<NaiveDate>,
    pub order_by: OrderBy,
    pub direction: SortDirection,
}

impl DashboardQuery {
    pub fn parse(params: &DashboardParams) -> Result<DashboardQuery, ApiError> {
        let coins = CoinSelection::parse("id", params.id.as_deref())?;
        let date = match params.date.as_deref().map(str::trim) {
            None => None,
            Some("") => {
                return Err(ApiError::BadRequest(
                    "The 'date' parameter is empty: give a date as YYYY-MM-DD, or leave it out for the latest day."
                        .into(),
                ))
            }
            Some(raw) => Some(RecordDate::parse_unpadded(raw).map(RecordDate::get).map_err(|reason| {
                ApiError::BadRequest(format!("The 'date' parameter is invalid: {reason}."))
            })?),
        };
        let order_by = match &params.order_by {
            None => OrderBy::Crypto,
            Some(raw) => raw.parse().map_err(|reason| {
                ApiError::BadRequest(format!("The 'order_by' parameter is invalid: {reason}."))
            })?,
        };
        let direction = match &params.order_type {
            None => SortDirection::Desc,
            Some(raw) => raw.parse().map_err(|reason| {
                ApiError::BadRequest(format!("The 'order_type' parameter is invalid: {reason}."))
            })?,
        };
        Ok(DashboardQuery {
            coins,
            date,
            order_by,
            direction,
        })
    }

    /// The cache key: every request asking the same question gets the same key (ids
    /// upper-cased, sorted and de-duplicated, the date normalized, defaults filled in).
    /// Neither the order nor the ASCII case of the ids changes the answer: rows are sorted
    /// by `order_by`, and ids match symbols and names case-insensitively.
    pub fn cache_key(&self) -> CacheKey {
        let key = self.coins.add_to_key(CacheKey::new("dashboard"), "id");
        let date = self
            .date
            .map_or_else(|| "latest".to_owned(), |d| d.to_string());
        key.param("date", date)
            .param("order_by", format!("{:?}", self.order_by))
            .param("order_type", format!("{:?}", self.direction))
    }
}

/// The query of `/dashboard` as given: raw strings, parsed by `DashboardQuery::parse` so that
/// each 400 is worded for a person. Read from the decoded query pairs, the last of a repeated
/// parameter winning, as the original server did.
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardParams {
    /// `all` (any case) or a comma-separated list of symbols, any case; blanks around items
    /// are trimmed, empty items and duplicates ignored. A name (any case, e.g. `bitcoin`) is
    /// accepted where no symbol matches. Missing, blank or listing no coin: 400. An item
    /// matching no coin: 404 naming it.
    #[param(required = true, value_type = String, pattern = r"[^\s,]", example = "btc,eth")]
    pub id: Option<String>,
    /// The day, `YYYY-MM-DD`; the zero padding may be left out (`2021-7-6` works too).
    /// Default: the latest date in the database. Empty, malformed, or not a real calendar
    /// date (`2021-02-30`): 400.
    #[param(value_type = Option<NaiveDate>, example = "2021-07-06")]
    pub date: Option<String>,
    /// The sort key, any case. Default `crypto` (the name). `24h-volume` may be written
    /// `24h_volume` and `market-cap` `market_cap`. Anything else: 400.
    #[param(value_type = Option<OrderBy>, inline)]
    pub order_by: Option<String>,
    /// The sort direction, any case. Default `desc`. Anything else: 400. Nulls sort last in
    /// both directions; ties by name.
    #[param(value_type = Option<SortDirection>, inline)]
    pub order_type: Option<String>,
}

impl From<HashMap<String, String>> for DashboardParams {
    fn from(mut pairs: HashMap<String, String>) -> DashboardParams {
        DashboardParams {
            id: pairs.remove("id"),
            date: pairs.remove("date"),
            order_by: pairs.remove("order_by"),
            order_type: pairs.remove("order_type"),
        }
    }
}

/// The price table of the original frontend: one row per requested coin with a record on
/// the day, sorted as asked.
#[utoipa::path(
    get,
    path = "/dashboard",
    tag = "compatibility",
    operation_id = "dashboard",
    summary = "The price table of the original frontend",
    description = "One row per requested coin that has a record dated exactly `date`: that \
        day's close (`price`), volume (`24h-volume`) and market cap (`market-cap`), and the \
        percent change of the close against the reference day `date` - 1, - 7 and - 30 days \
        (`24h`, `7d`, `1m`): `(close - ref) / ref * 100`.\n\n\
        **Null rule:** the reference is the coin's latest record on or before the reference \
        day, if it is at most 3 days older than that day; otherwise, or where the reference \
        close is 0, the change is `null`. A coin listed 10 days before `date` therefore has \
        `24h` and `7d` and a `null` `1m`.\n\n\
        Sorting is by `order_by` in `order_type`; names and symbols compare \
        case-insensitively; `null`s sort last in both directions; ties by name.",
    params(DashboardParams),
    responses(
        (status = 200, description = "The rows, sorted.", body = [DashboardRow]),
        (status = 204, description = "The database holds no data at all yet (no body)."),
        (status = 400, description = "A parameter is missing (`id`), empty or malformed; the \
            message names it and what it accepts.", body = ErrorBody, examples(
            ("missing id" = (value = json!({"error": "The 'id' parameter is required: give 'all' or a comma-separated list of symbols or names, e.g. id=btc,eth."}))),
            ("bad date" = (value = json!({"error": "The 'date' parameter is invalid: '2021-02-30' is not a real calendar date."}))),
            ("bad order_by" = (value = json!({"error": "The 'order_by' parameter is invalid: order_by 'volume' is not supported; use one of crypto, symbol, price, 24h, 7d, 1m, 24h-volume (or 24h_volume), market-cap (or market_cap)."}))),
        )),
        (status = 404, description = "A listed id matches no coin, or no requested coin has a \
            record on `date` (the message gives the range the data covers).", body = ErrorBody,
            examples(
            ("unknown id" = (value = json!({"error": "No currency matches 'nope'. Use symbols (BTC) or names (Bitcoin); /search?name=... finds one."}))),
            ("no record that day" = (value = json!({"error": "No requested coin has a record on 2030-01-01. The data covers 2013-04-29 to 2021-07-06."}))),
        )),
        (status = 500, description = "The database cannot be reached or read; the message \
            says so and leaks no internals.", body = ErrorBody, example = json!({"error": "The database cannot be reached right now. Try again shortly; if this persists, the server's operator should check that the database is running."})),
    )
)]
pub async fn dashboard(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let query = DashboardQuery::parse(&DashboardParams::from(params))?;
    let store = &state.store;
    Ok(state
        .cache
        .respond(&headers, &query.cache_key(), || {
            dashboard_answer(store, &query)
        })
        .await)
}

/// Computes the answer from the store (on a cache miss).
async fn dashboard_answer(store: &Store, query: &DashboardQuery) -> Result<Answer, ApiError> {
    let Some((first, last)) = store.date_range().await? else {
        return Ok(Answer::no_content());
    };
    let currencies = store.currencies().await?;
    let selected = query.coins.resolve(&currencies)?;
    let day = query.date.unwrap_or(last);

    let ids: Option<Vec<i64>> = match query.coins {
        CoinSelection::All => None,
        CoinSelection::Listed(_) => Some(selected.iter().map(|c| c.id).collect()),
    };
    // One key range: each coin's row of the day holds its reference closes.
    let days = store.market_days(day, ids.as_deref()).await?;
    let by_id: HashMap<i64, &MarketDay> = days.iter().map(|d| (d.currency_id, d)).collect();
    let coins: Vec<(&Currency, &MarketDay)> = selected
        .iter()
        .filter_map(|c| by_id.get(&c.id).map(|d| (*c, *d)))
        .collect();
    let mut rows = dashboard_rows_of_days(&coins);
    if rows.is_empty() {
        return Err(ApiError::NotFound(format!(
            "No requested coin has a record on {day}. The data covers {first} to {last}."
        )));
    }
    sort_rows(&mut rows, query.order_by, query.direction);
    let rows: Vec<DashboardRow> = rows.into_iter().map(DashboardRow::from).collect();
    Ok(Answer::json(&rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> DashboardParams {
        let pairs: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        DashboardParams::from(pairs)
    }

    fn bad_request(pairs: &[(&str, &str)]) -> String {
        match DashboardQuery::parse(&params(pairs)) {
            Err(ApiError::BadRequest(message)) => message,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn defaults_and_parsing() {
        let q = DashboardQuery::parse(&params(&[("id", " BTC , eth,btc,,")])).unwrap();
        assert_eq!(
            q.coins,
            CoinSelection::Listed(vec!["BTC".into(), "eth".into()])
        );
        assert_eq!(
            (q.date, q.order_by, q.direction),
            (None, OrderBy::Crypto, SortDirection::Desc)
        );
        let q = DashboardQuery::parse(&params(&[
            ("id", "ALL"),
            ("date", "2021-7-6"),
            ("order_by", "Market_Cap"),
            ("order_type", "ASC"),
        ]))
        .unwrap();
        assert_eq!(q.coins, CoinSelection::All);
        assert_eq!(q.date, NaiveDate::from_ymd_opt(2021, 7, 6));
        assert_eq!(
            (q.order_by, q.direction),
            (OrderBy::MarketCap, SortDirection::Asc)
        );
    }

    #[test]
    fn every_spelling_of_one_question_has_one_cache_key() {
        let key =
            |pairs: &[(&str, &str)]| DashboardQuery::parse(&params(pairs)).unwrap().cache_key();
        assert_eq!(
            key(&[("id", "BTC,eth"), ("date", "2021-7-6")]),
            key(&[
                ("id", "eth, btc,ETH"),
                ("date", "2021-07-06"),
                ("order_by", "CRYPTO"),
                ("order_type", "desc")
            ])
        );
        assert_eq!(key(&[("id", "all")]), key(&[("id", "ALL")]));
        assert_ne!(key(&[("id", "all")]), key(&[("id", "btc")]));
        assert_ne!(
            key(&[("id", "btc")]),
            key(&[("id", "btc"), ("date", "2021-07-06")])
        );
        assert_ne!(
            key(&[("id", "btc"), ("order_by", "24h_volume")]),
            key(&[("id", "btc"), ("order_by", "market_cap")])
        );
        assert_eq!(
            key(&[("id", "btc"), ("order_by", "24h_volume")]),
            key(&[("id", "btc"), ("order_by", "24h-volume")])
        );
        assert_ne!(
            key(&[("id", "btc"), ("order_type", "asc")]),
            key(&[("id", "btc")])
        );
    }

    #[test]
    fn every_bad_parameter_is_named() {
        assert!(bad_request(&[]).contains("'id'"));
        assert!(bad_request(&[("id", " ")]).contains("'id'"));
        assert!(bad_request(&[("id", ",,")]).contains("'id'"));
        assert!(bad_request(&[("id", "btc"), ("date", "2021-02-30")]).contains("'date'"));
        assert!(bad_request(&[("id", "btc"), ("date", "")]).contains("'date'"));
        assert!(bad_request(&[("id", "btc"), ("date", "yesterday")]).contains("'date'"));
        assert!(bad_request(&[("id", "btc"), ("order_by", "volume")]).contains("'order_by'"));
        assert!(bad_request(&[("id", "btc"), ("order_type", "up")]).contains("'order_type'"));
    }

    #[test]
    fn ids_resolve_by_symbol_first_then_by_name() {
        let currencies = vec![
            crate::test_support::coin(1, "Bitcoin", "BTC"),
            crate::test_support::coin(2, "EOS", "EOS"),
            crate::test_support::coin(3, "Binance Coin", "BNB"),
        ];
        let sel =
            CoinSelection::Listed(vec!["bitcoin".into(), "btc".into(), "binance coin".into()]);
        let ids: Vec<i64> = sel
            .resolve(&currencies)
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, [1, 3]);
        let sel = CoinSelection::Listed(vec!["btc".into(), "nope".into(), "zzz".into()]);
        match sel.resolve(&currencies) {
            Err(ApiError::NotFound(m)) => assert!(m.contains("'nope', 'zzz'"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
