//! `GET /api/v3/ping`, `GET /api/v3/simple/price` and `GET /api/v3/simple/supported_vs_currencies`.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Days;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::{by_coin, flag, list, precision, query_params, CgError, Universe, Vs};
use crate::analytics::coingecko::{close_secs, Figures, Precision};
use crate::analytics::percent::percent_change;
use crate::cache::CacheKey;
use crate::http::{ApiError, AppState};

/// `GET /api/v3/ping`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ping {
    #[schema(example = "(V3) To the Moon!")]
    pub gecko_says: String,
}

ok_only_route! {
    path = "/api/v3/ping", tag = "coingecko", operation_id = "cg_ping",
    summary = "Check that the API is up",
    ok = ("Always.", "application/json", Ping),
    /// CoinGecko's liveness check.
    pub async fn ping(State(state): State<AppState>, headers: HeaderMap) -> Response {
        state
            .cache
            .respond(&headers, &CacheKey::new("v3/ping"), || async {
                Ok(Ping {
                    gecko_says: "(V3) To the Moon!".into(),
                })
            })
            .await
    }
}

/// Every currency `vs_currency` takes: `usd` and each coin's lowercase symbol.
#[utoipa::path(
    get,
    path = "/api/v3/simple/supported_vs_currencies",
    tag = "coingecko",
    operation_id = "cg_supported_vs_currencies",
    summary = "The currencies prices can be given in",
    description = "`usd` and, beyond CoinGecko's fixed list, the lowercase symbol of every coin \
        held: amounts in another coin's currency are cross rates of the same day's USD values.",
    responses(
        (status = 200, description = "The currency codes, `usd` first.", body = Vec<String>,
            example = json!(["usd", "aave", "ada", "atom", "bnb", "btc"])),
        (status = 500, description = "The database cannot be read.", body = CgError),
    )
)]
pub async fn supported_vs_currencies(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Response {
    state
        .cache
        .respond(
            &headers,
            &CacheKey::new("v3/supported_vs_currencies"),
            || async {
                let universe = Universe::load(&state.store).await?;
                Ok(universe.all_vs().iter().map(Vs::code).collect::<Vec<_>>())
            },
        )
        .await
}

/// The query string of `/api/v3/simple/price`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PriceParams {
    /// Coin ids, comma-separated (at most 1,000); takes priority over `names` and `symbols`.
    /// Unknown ids are left out of the answer. One of `ids`, `names`, `symbols` is required.
    #[param(example = "bitcoin,ethereum")]
    pub ids: Option<String>,
    /// Coin names, comma-separated, matched exactly in any case.
    #[param(example = "Bitcoin")]
    pub names: Option<String>,
    /// Coin symbols, comma-separated, any case.
    #[param(example = "btc")]
    pub symbols: Option<String>,
    /// Required: currency codes, comma-separated (`usd`, or a coin's symbol); an unknown one
    /// anywhere: 400 `invalid vs_currency`.
    #[param(required = true, example = "usd,btc")]
    pub vs_currencies: Option<String>,
    /// `true` adds `<vs>_market_cap`.
    #[param(value_type = Option<bool>)]
    pub include_market_cap: Option<String>,
    /// `true` adds `<vs>_24h_vol` (the day's volume).
    #[param(value_type = Option<bool>)]
    pub include_24hr_vol: Option<String>,
    /// `true` adds `<vs>_24h_change` (percent, against the day before).
    #[param(value_type = Option<bool>)]
    pub include_24hr_change: Option<String>,
    /// `true` adds `last_updated_at` (UNIX seconds of the end of the latest day).
    #[param(value_type = Option<bool>)]
    pub include_last_updated_at: Option<String>,
    /// `full` (default) or 0 to 18 decimals for the amounts.
    #[param(pattern = r"^(full|[0-9]|1[0-8])$", example = "2")]
    pub precision: Option<String>,
}

/// One coin's prices: `<vs>`, `<vs>_market_cap`, `<vs>_24h_vol`, `<vs>_24h_change` for each
/// currency asked (a key is left out where the value is unknown), and `last_updated_at`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"usd": 34235.19345116, "usd_market_cap": 641899161593.76, "last_updated_at": 1625616000}))]
pub struct PriceEntry(BTreeMap<String, f64>);

#[derive(Debug, Clone, PartialEq)]
struct PriceQuery {
    ids: Option<Vec<String>>,
    names: Option<Vec<String>>,
    symbols: Option<Vec<String>>,
    vs: Vec<String>,
    market_cap: bool,
    volume: bool,
    change: bool,
    last_updated: bool,
    precision: Precision,
}

impl PriceQuery {
    fn parse(p: &PriceParams) -> Result<PriceQuery, ApiError> {
        let ids = list("ids", p.ids.as_deref())?;
        let names = list("names", p.names.as_deref())?;
        let symbols = list("symbols", p.symbols.as_deref())?;
        if ids.is_none() && names.is_none() && symbols.is_none() {
            return Err(ApiError::BadRequest(
                "The 'ids' parameter is required (or 'names' or 'symbols'), e.g. ids=bitcoin,ethereum."
                    .into(),
            ));
        }
        let vs = list("vs_currencies", p.vs_currencies.as_deref())?.ok_or_else(|| {
            ApiError::BadRequest(
                "The 'vs_currencies' parameter is required, e.g. vs_currencies=usd,btc.".into(),
            )
        })?;
        Ok(PriceQuery {
            ids: ids.map(lowercase),
            names: names.map(lowercase),
            symbols: symbols.map(lowercase),
            vs: lowercase(vs),
            market_cap: flag("include_market_cap", p.include_market_cap.as_deref(), false)?,
            volume: flag("include_24hr_vol", p.include_24hr_vol.as_deref(), false)?,
            change: flag(
                "include_24hr_change",
                p.include_24hr_change.as_deref(),
                false,
            )?,
            last_updated: flag(
                "include_last_updated_at",
                p.include_last_updated_at.as_deref(),
                false,
            )?,
            precision: precision(p.precision.as_deref())?,
        })
    }

    fn key(&self) -> CacheKey {
        let key = CacheKey::new("v3/simple/price");
        let key = match (&self.ids, &self.names, &self.symbols) {
            (Some(ids), _, _) => key.list("ids", ids),
            (None, Some(names), _) => key.list("names", names),
            (None, None, Some(symbols)) => key.list("symbols", symbols),
            _ => key,
        };
        key.list("vs", &self.vs)
            .param("market_cap", self.market_cap)
            .param("volume", self.volume)
            .param("change", self.change)
            .param("last_updated", self.last_updated)
            .param("precision", self.precision)
    }
}

fn lowercase(items: Vec<String>) -> Vec<String> {
    items.into_iter().map(|i| i.to_lowercase()).collect()
}

/// The price of coins in currencies, as of the end of the latest day held.
#[utoipa::path(
    get,
    path = "/api/v3/simple/price",
    tag = "coingecko",
    operation_id = "cg_simple_price",
    summary = "Coins' latest prices in any currencies",
    description = "Keyed by coin id, then `<vs>`, `<vs>_market_cap`, `<vs>_24h_vol`, \
        `<vs>_24h_change` (percent change of the close against the day before, each day converted \
        on its own), `last_updated_at`. As of the latest day held. A cross currency divides by \
        that coin's close of the same day; a value that cannot be had is left out.",
    params(PriceParams),
    responses(
        (status = 200, description = "Prices by coin id.", body = BTreeMap<String, PriceEntry>,
            example = json!({"bitcoin": {"usd": 34235.19345116}})),
        (status = 400, description = "A parameter is missing or malformed (named), or a \
            currency is unknown (`invalid vs_currency`).", body = CgError),
        (status = 500, description = "The database cannot be read.", body = CgError),
    )
)]
pub async fn simple_price(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<PriceParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = PriceQuery::parse(&query_params(params)?)?;
    let key = query.key();
    Ok(state
        .cache
        .respond(&headers, &key, || prices(&state, query))
        .await)
}

async fn prices(state: &AppState, q: PriceQuery) -> Result<Map<String, Value>, ApiError> {
    let universe = Universe::load(&state.store).await?;
    let vs: Vec<Vs<'_>> =
        q.vs.iter()
            .map(|code| universe.vs(code))
            .collect::<Result<_, _>>()?;
    let coins = universe
        .lookup(q.ids.as_deref(), q.names.as_deref(), q.symbols.as_deref())
        .unwrap_or_default();
    let mut out = Map::new();
    let Some(latest) = universe.latest else {
        return Ok(out);
    };
    let days: Vec<_> = [latest.checked_sub_days(Days::new(1)), Some(latest)]
        .into_iter()
        .flatten()
        .collect();
    let mut ids: Vec<i64> = coins.iter().map(|c| c.id).collect();
    ids.extend(vs.iter().filter_map(Vs::currency_id));
    ids.sort_unstable();
    ids.dedup();
    let records = by_coin(state.store.records_on_days(Some(&ids), &days).await?);
    let round = |v: f64| Value::from(q.precision.apply(v));
    for coin in coins {
        let own = records.get(&coin.id).map_or(&[][..], Vec::as_slice);
        let mut entry = Map::new();
        for currency in &vs {
            let code = currency.code();
            let figures = Figures::new(own, latest, currency.quote(&records));
            let Some(today) = figures.today else { continue };
            entry.insert(code.clone(), round(today.close));
            if q.market_cap {
                entry.insert(format!("{code}_market_cap"), round(today.market_cap));
            }
            if q.volume {
                entry.insert(format!("{code}_24h_vol"), round(today.volume));
            }
            if q.change {
                if let Some(change) = figures
                    .yesterday
                    .and_then(|y| percent_change(today.close, y.close))
                {
                    entry.insert(format!("{code}_24h_change"), Value::from(change));
                }
            }
        }
        if q.last_updated && !entry.is_empty() {
            entry.insert("last_updated_at".into(), Value::from(close_secs(latest)));
        }
        out.insert(coin.coin_id.to_string(), Value::Object(entry));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookup_and_currencies_are_required() {
        let params = PriceParams {
            vs_currencies: Some("usd".into()),
            ..PriceParams::default()
        };
        assert!(
            matches!(PriceQuery::parse(&params), Err(ApiError::BadRequest(m)) if m.contains("'ids'"))
        );
        let params = PriceParams {
            ids: Some("bitcoin".into()),
            ..PriceParams::default()
        };
        assert!(
            matches!(PriceQuery::parse(&params), Err(ApiError::BadRequest(m)) if m.contains("'vs_currencies'"))
        );
        let params = PriceParams {
            ids: Some("Bitcoin, ethereum".into()),
            vs_currencies: Some("USD".into()),
            include_24hr_change: Some("true".into()),
            ..PriceParams::default()
        };
        let q = PriceQuery::parse(&params).unwrap();
        assert_eq!(
            q.ids,
            Some(vec!["bitcoin".to_owned(), "ethereum".to_owned()])
        );
        assert_eq!(q.vs, ["usd"]);
        assert!(q.change && !q.volume);
    }
}
