//! `/api/v3`: CoinGecko's public API v3 protocol over krispyto's daily records, so code written
//! for CoinGecko (pycoingecko, the official Python and TypeScript SDKs) runs unchanged with only
//! its base URL swapped. The contract is shared/COINGECKO.md; its rules live, pure, in
//! `analytics::coingecko`. One module per resource; every read goes through the read cache.
//!
//! Errors follow CoinGecko's shape `{"error": "..."}`: an unknown coin id is 404
//! `coin not found`, an unknown currency 400 `invalid vs_currency`, any other bad parameter a
//! 400 naming it. The headers and query parameters that carry CoinGecko keys are accepted and
//! ignored (the SDKs refuse to send a request without a key), as is every unknown parameter.

/// Declares a CoinGecko coin object: it opens, as CoinGecko's `/coins/list`, `/coins/{id}` and
/// `/coins/markets` objects do, with the coin's `id`, lowercase `symbol` and `name` (each with
/// its example), then the object's own fields. Plain fields rather than a flattened struct:
/// utoipa describes `serde(flatten)` as an `allOf`, and these schemas list their properties.
macro_rules! coin_object {
    ($(#[$meta:meta])* pub struct $name:ident { $($fields:tt)* }) => {
        $(#[$meta])*
        pub struct $name {
            #[schema(example = "bitcoin")]
            pub id: String,
            /// Lowercase.
            #[schema(example = "btc")]
            pub symbol: String,
            #[schema(example = "Bitcoin")]
            pub name: String,
            $($fields)*
        }
    };
}

pub mod charts;
pub mod coins;
pub mod markets;
pub mod search;
pub mod simple;

use std::collections::HashMap;

use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use axum::routing::get;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::params::query_params;
use super::{ApiError, AppState};
use crate::analytics::coingecko::{Precision, Quote};
use crate::domain::{Currency, DailyRecord};
use crate::store::Store;

/// The most items a list parameter (`ids`, `names`, `symbols`, `vs_currencies`) takes.
pub const MAX_LIST_ITEMS: usize = 1000;

/// The answer to an unknown coin id, CoinGecko's own words.
pub const COIN_NOT_FOUND: &str = "coin not found";
/// The answer to an unknown currency, CoinGecko's own words.
pub const INVALID_VS_CURRENCY: &str = "invalid vs_currency";

/// Every `/api/v3` route, each with its OpenAPI operation, and each also at its path with a
/// trailing slash (pycoingecko asks for `/coins/bitcoin/`), which is not described twice.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(simple::ping))
        .routes(routes!(simple::simple_price))
        .routes(routes!(simple::supported_vs_currencies))
        .routes(routes!(coins::coins_list))
        .routes(routes!(markets::coins_markets))
        .routes(routes!(coins::coin))
        .routes(routes!(coins::coin_history))
        .routes(routes!(charts::market_chart))
        .routes(routes!(charts::market_chart_range))
        .routes(routes!(charts::ohlc))
        .routes(routes!(charts::ohlc_range))
        .routes(routes!(search::search))
        .route("/api/v3/ping/", get(simple::ping))
        .route("/api/v3/simple/price/", get(simple::simple_price))
        .route(
            "/api/v3/simple/supported_vs_currencies/",
            get(simple::supported_vs_currencies),
        )
        .route("/api/v3/coins/list/", get(coins::coins_list))
        .route("/api/v3/coins/markets/", get(markets::coins_markets))
        .route("/api/v3/coins/{id}/", get(coins::coin))
        .route("/api/v3/coins/{id}/history/", get(coins::coin_history))
        .route(
            "/api/v3/coins/{id}/market_chart/",
            get(charts::market_chart),
        )
        .route(
            "/api/v3/coins/{id}/market_chart/range/",
            get(charts::market_chart_range),
        )
        .route("/api/v3/coins/{id}/ohlc/", get(charts::ohlc))
        .route("/api/v3/coins/{id}/ohlc/range/", get(charts::ohlc_range))
        .route("/api/v3/search/", get(search::search))
}

/// The body of every `/api/v3` error.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"error": "coin not found"}))]
pub struct CgError {
    /// `coin not found`, `invalid vs_currency`, or a sentence naming the bad parameter.
    pub error: String,
}

/// The coin id of the path, trimmed and lower-cased (ids are lowercase).
fn path_id(id: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    let Path(id) = id.map_err(|rejection| {
        ApiError::BadRequest(format!(
            "The coin id in the path cannot be read ({}); GET /api/v3/coins/list lists the ids.",
            rejection.body_text()
        ))
    })?;
    Ok(id.trim().to_ascii_lowercase())
}

fn bad(name: &str, reason: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(format!("The '{name}' parameter is invalid: {reason}."))
}

fn required<'a>(name: &str, raw: Option<&'a str>, example: &str) -> Result<&'a str, ApiError> {
    match raw.map(str::trim) {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(ApiError::BadRequest(format!(
            "The '{name}' parameter is required, e.g. {name}={example}."
        ))),
    }
}

/// `true` or `false` (any case); `default` when absent. An empty value is refused like any
/// other non-boolean: the OpenAPI description types these parameters as booleans.
fn flag(name: &str, raw: Option<&str>, default: bool) -> Result<bool, ApiError> {
    match raw.map(str::trim) {
        None => Ok(default),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(bad(
            name,
            format!("'{v}' is not a boolean: give true or false"),
        )),
    }
}

/// A comma-separated list: items trimmed, blanks dropped, order kept, duplicates kept once;
/// `None` when absent or holding no item. More than [`MAX_LIST_ITEMS`]: 400.
fn list(name: &str, raw: Option<&str>) -> Result<Option<Vec<String>>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let mut items: Vec<String> = Vec::new();
    for item in raw.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        if !items.iter().any(|seen| seen.eq_ignore_ascii_case(item)) {
            items.push(item.to_owned());
        }
        if items.len() > MAX_LIST_ITEMS {
            return Err(bad(
                name,
                format!("it lists more than {MAX_LIST_ITEMS} items; split the request"),
            ));
        }
    }
    Ok((!items.is_empty()).then_some(items))
}

fn precision(raw: Option<&str>) -> Result<Precision, ApiError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(Precision::Full),
        Some(v) => Precision::parse(v).map_err(|reason| bad("precision", reason)),
    }
}

/// `interval`: only `daily` (any case) or nothing: krispyto holds one record per day.
fn daily_interval(raw: Option<&str>) -> Result<(), ApiError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(()),
        Some(v) if v.eq_ignore_ascii_case("daily") => Ok(()),
        Some(v) => Err(bad(
            "interval",
            format!("'{v}': krispyto holds daily data only; give interval=daily or leave it out"),
        )),
    }
}

/// The currency amounts are given in: `usd`, or the lowercase symbol of a coin held.
#[derive(Debug, Clone, Copy)]
pub enum Vs<'a> {
    Usd,
    Coin(&'a Currency),
}

impl Vs<'_> {
    /// The currency's code in answers: `usd`, `btc`, ...
    pub fn code(&self) -> String {
        match self {
            Vs::Usd => "usd".into(),
            Vs::Coin(c) => c.symbol.as_str().to_ascii_lowercase(),
        }
    }

    /// The records a quote in this currency needs, from records fetched by coin.
    pub fn quote<'r>(&self, by_coin: &'r HashMap<i64, Vec<DailyRecord>>) -> Quote<'r> {
        match self {
            Vs::Usd => Quote::Usd,
            Vs::Coin(c) => Quote::Coin(by_coin.get(&c.id).map_or(&[], Vec::as_slice)),
        }
    }

    pub fn currency_id(&self) -> Option<i64> {
        match self {
            Vs::Usd => None,
            Vs::Coin(c) => Some(c.id),
        }
    }
}

/// What every `/api/v3` answer starts from: the coins and the latest day held ("now" is the
/// end of that day).
pub struct Universe {
    pub currencies: Vec<Currency>,
    pub latest: Option<NaiveDate>,
}

impl Universe {
    pub async fn load(store: &Store) -> Result<Universe, ApiError> {
        let currencies = store.currencies().await?;
        let latest = store.date_range().await?.map(|(_, last)| last);
        Ok(Universe { currencies, latest })
    }

    /// The coin with this id (any case), or 404 `coin not found`.
    pub fn coin(&self, id: &str) -> Result<&Currency, ApiError> {
        self.currencies
            .iter()
            .find(|c| c.coin_id.as_str().eq_ignore_ascii_case(id.trim()))
            .ok_or_else(|| ApiError::NotFound(COIN_NOT_FOUND.into()))
    }

    /// `usd` or a coin's symbol (any case), or 400 `invalid vs_currency`.
    pub fn vs(&self, raw: &str) -> Result<Vs<'_>, ApiError> {
        let raw = raw.trim();
        if raw.eq_ignore_ascii_case("usd") {
            return Ok(Vs::Usd);
        }
        self.currencies
            .iter()
            .find(|c| c.symbol.as_str().eq_ignore_ascii_case(raw))
            .map(Vs::Coin)
            .ok_or_else(|| ApiError::BadRequest(INVALID_VS_CURRENCY.into()))
    }

    /// Every currency amounts can be given in: `usd` first, then each coin by symbol.
    pub fn all_vs(&self) -> Vec<Vs<'_>> {
        let mut all = vec![Vs::Usd];
        let mut coins: Vec<&Currency> = self
            .currencies
            .iter()
            .filter(|c| !c.symbol.as_str().eq_ignore_ascii_case("usd"))
            .collect();
        coins.sort_by(|a, b| a.symbol.cmp(&b.symbol));
        all.extend(coins.into_iter().map(Vs::Coin));
        all
    }

    /// The coins a lookup by `ids`, else `names`, else `symbols` selects (CoinGecko's order of
    /// priority), in the order asked; unknown items are skipped. `None` when none was given.
    pub fn lookup(
        &self,
        ids: Option<&[String]>,
        names: Option<&[String]>,
        symbols: Option<&[String]>,
    ) -> Option<Vec<&Currency>> {
        let pick = |items: &[String], matches: &dyn Fn(&Currency, &str) -> bool| {
            let mut out: Vec<&Currency> = Vec::new();
            for item in items {
                for c in self.currencies.iter().filter(|c| matches(c, item)) {
                    if !out.iter().any(|seen| seen.id == c.id) {
                        out.push(c);
                    }
                }
            }
            out
        };
        if let Some(ids) = ids {
            return Some(pick(ids, &|c, i| {
                c.coin_id.as_str().eq_ignore_ascii_case(i)
            }));
        }
        if let Some(names) = names {
            return Some(pick(names, &|c, n| {
                c.name.to_lowercase() == n.to_lowercase()
            }));
        }
        symbols.map(|symbols| pick(symbols, &|c, s| c.symbol.as_str().eq_ignore_ascii_case(s)))
    }
}

/// Records as fetched (ordered by coin, then date), grouped by coin.
pub fn by_coin(rows: Vec<(i64, DailyRecord)>) -> HashMap<i64, Vec<DailyRecord>> {
    let mut out: HashMap<i64, Vec<DailyRecord>> = HashMap::new();
    for (id, record) in rows {
        out.entry(id).or_default().push(record);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::coin;

    use crate::test_support::bad_request_message as message;

    #[test]
    fn parameters_are_parsed_or_named() {
        assert!(flag("sparkline", Some("TRUE"), false).unwrap());
        assert!(flag("sparkline", None, true).unwrap());
        assert!(message(flag("sparkline", Some("yes"), false)).contains("'sparkline'"));
        assert_eq!(
            list("ids", Some(" bitcoin,,ethereum ,bitcoin")).unwrap(),
            Some(vec!["bitcoin".to_owned(), "ethereum".to_owned()])
        );
        assert_eq!(list("ids", Some(" , ")).unwrap(), None);
        let many: Vec<String> = (0..=MAX_LIST_ITEMS).map(|i| format!("c{i}")).collect();
        assert!(message(list("ids", Some(&many.join(",")))).contains("'ids'"));
        assert!(message(daily_interval(Some("hourly"))).contains("'interval'"));
        assert!(daily_interval(Some("Daily")).is_ok());
        assert!(message(required("days", Some(" "), "1")).contains("'days'"));
    }

    #[test]
    fn currencies_and_coins_are_found_or_refused_in_coingeckos_words() {
        let universe = Universe {
            currencies: vec![coin(1, "Bitcoin", "BTC"), coin(2, "XRP", "XRP")],
            latest: None,
        };
        assert_eq!(universe.coin("Ripple").unwrap().id, 2);
        assert!(matches!(universe.coin("nope"), Err(ApiError::NotFound(m)) if m == COIN_NOT_FOUND));
        assert_eq!(universe.vs("BTC").unwrap().code(), "btc");
        assert!(matches!(universe.vs("USD").unwrap(), Vs::Usd));
        assert!(
            matches!(universe.vs("eur"), Err(ApiError::BadRequest(m)) if m == INVALID_VS_CURRENCY)
        );
        let codes: Vec<String> = universe.all_vs().iter().map(Vs::code).collect();
        assert_eq!(codes, ["usd", "btc", "xrp"]);
        let names = vec!["xrp".to_owned(), "BITCOIN".to_owned()];
        let found = universe.lookup(None, Some(&names), None).unwrap();
        assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), [2, 1]);
        assert!(universe.lookup(None, None, None).is_none());
    }
}
