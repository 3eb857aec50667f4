//! `GET /api/v3/coins/markets`: every coin's market figures in one currency, ranked, sorted
//! and paged, as of the end of the latest day held (or, beyond CoinGecko, of any `date`).
//!
//! Cost is a constant number of queries whatever the number of coins. The default page (USD,
//! no sparkline, no timeframe but 1h and 24h): the coins, the latest day, and every coin's row
//! of the day in `market_day` (kept by every write, migration 0007: the record, the day
//! before's close and market cap, the highest and lowest close up to the day). Otherwise:
//! the coins, the latest day, every coin's records on the days the page's figures refer to
//! (up to 13 with every timeframe and the sparkline), and the all-time high and low close of
//! each selected coin (precomputed by every write, migration 0006; in another coin's
//! currency, the selected coins' and that coin's whole history instead, as each day converts
//! on its own).

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::coins::{ranks, Sparkline};
use super::{bad, by_coin, flag, list, precision, query_params, required, CgError, Universe, Vs};
use crate::analytics::coingecko::{
    close_extremes, close_iso, price_change_percentage, reference_days, sparkline_7d, DatedClose,
    Figures, Lookback, Precision,
};
use crate::analytics::coins::PricePoint;
use crate::analytics::market_day::MarketDay;
use crate::analytics::percent::percent_change;
use crate::cache::{CacheKey, Json};
use crate::domain::{Currency, RecordDate};
use crate::http::{Answer, ApiError, AppState};

pub const MAX_PER_PAGE: u32 = 250;
pub const DEFAULT_PER_PAGE: u32 = 100;

/// The query string of `/api/v3/coins/markets`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MarketsParams {
    /// Required: the currency of every amount, `usd` or a coin's symbol; unknown: 400
    /// `invalid vs_currency`.
    #[param(required = true, example = "usd")]
    pub vs_currency: Option<String>,
    /// Coin ids, comma-separated (at most 1,000); takes priority over `names` and `symbols`.
    /// Default: every coin.
    #[param(example = "bitcoin,ethereum")]
    pub ids: Option<String>,
    /// Coin names, comma-separated, matched exactly in any case.
    pub names: Option<String>,
    /// Coin symbols, comma-separated, any case.
    pub symbols: Option<String>,
    /// `market_cap_desc` (default), `market_cap_asc`, `volume_desc`, `volume_asc`, `id_asc`,
    /// `id_desc`.
    #[param(value_type = Option<MarketsOrder>, inline)]
    pub order: Option<String>,
    /// 1 to 250 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 250)]
    pub per_page: Option<String>,
    /// 1-based (default 1); a page past the last is empty.
    #[param(value_type = Option<u32>, minimum = 1)]
    pub page: Option<String>,
    /// `true` adds `sparkline_in_7d` (the 8 daily closes of the last 7 days).
    #[param(value_type = Option<bool>)]
    pub sparkline: Option<String>,
    /// Comma-separated timeframes among `1h`, `24h`, `7d`, `14d`, `30d`, `200d`, `1y`: adds
    /// `price_change_percentage_<tf>_in_currency` (`1h` is null: there is no intraday data).
    #[param(example = "24h,7d")]
    pub price_change_percentage: Option<String>,
    /// `full` (default) or 0 to 18 decimals for the amounts.
    #[param(pattern = r"^(full|[0-9]|1[0-8])$")]
    pub precision: Option<String>,
    /// Beyond CoinGecko: answer as of the end of this day, `YYYY-MM-DD` (default: the latest day).
    #[param(value_type = Option<NaiveDate>, example = "2021-01-01")]
    pub date: Option<String>,
}

// Only describes `order` in the OpenAPI document.
/// How the coins are sorted.
#[derive(ToSchema)]
#[allow(dead_code, non_camel_case_types)]
enum MarketsOrder {
    market_cap_desc,
    market_cap_asc,
    volume_desc,
    volume_asc,
    id_asc,
    id_desc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    MarketCapDesc,
    MarketCapAsc,
    VolumeDesc,
    VolumeAsc,
    IdAsc,
    IdDesc,
}

impl Order {
    fn parse(raw: &str) -> Result<Order, ApiError> {
        Ok(match raw.trim().to_ascii_lowercase().as_str() {
            "market_cap_desc" => Order::MarketCapDesc,
            "market_cap_asc" => Order::MarketCapAsc,
            "volume_desc" => Order::VolumeDesc,
            "volume_asc" => Order::VolumeAsc,
            "id_asc" => Order::IdAsc,
            "id_desc" => Order::IdDesc,
            other => {
                return Err(bad(
                    "order",
                    format!(
                        "'{other}': use market_cap_desc, market_cap_asc, volume_desc, \
                         volume_asc, id_asc or id_desc"
                    ),
                ))
            }
        })
    }
}

coin_object! {
    /// One coin of `/coins/markets`, in the requested currency, as of the end of the day.
    /// (Deserialize: the rows of a day are cached, in Redis too.)
    #[derive(Debug, Serialize, Deserialize, ToSchema)]
    pub struct MarketCoin {
        /// Unknown: empty.
        pub image: String,
        /// The day's close.
        pub current_price: Option<f64>,
        pub market_cap: Option<f64>,
        /// By USD market cap that day among coins with a market cap > 0.
        pub market_cap_rank: Option<u32>,
        /// Unknown: null.
        pub fully_diluted_valuation: Option<f64>,
        /// The day's volume.
        pub total_volume: Option<f64>,
        /// The day's high and low.
        pub high_24h: Option<f64>,
        pub low_24h: Option<f64>,
        /// Against the day before.
        pub price_change_24h: Option<f64>,
        pub price_change_percentage_24h: Option<f64>,
        pub market_cap_change_24h: Option<f64>,
        pub market_cap_change_percentage_24h: Option<f64>,
        /// Unknown: null.
        pub circulating_supply: Option<f64>,
        pub total_supply: Option<f64>,
        pub max_supply: Option<f64>,
        /// The highest daily close up to the day, the earliest on a tie.
        pub ath: Option<f64>,
        pub ath_change_percentage: Option<f64>,
        /// When the `ath` close was observed (the next midnight, UTC).
        #[schema(example = "2021-04-14T00:00:00.000Z")]
        pub ath_date: Option<String>,
        pub atl: Option<f64>,
        pub atl_change_percentage: Option<f64>,
        pub atl_date: Option<String>,
        /// Unknown: null.
        pub roi: Option<serde_json::Value>,
        #[schema(example = "2021-07-07T00:00:00.000Z")]
        pub last_updated: String,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "present"
        )]
        pub price_change_percentage_1h_in_currency: Option<Option<f64>>,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "present"
        )]
        pub price_change_percentage_24h_in_currency: Option<Option<f64>>,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "present"
        )]
        pub price_change_percentage_7d_in_currency: Option<Option<f64>>,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "present"
        )]
        pub price_change_percentage_14d_in_currency: Option<Option<f64>>,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "present"
        )]
        pub price_change_percentage_30d_in_currency: Option<Option<f64>>,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "present"
        )]
        pub price_change_percentage_200d_in_currency: Option<Option<f64>>,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "present"
        )]
        pub price_change_percentage_1y_in_currency: Option<Option<f64>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub sparkline_in_7d: Option<Sparkline>,
    }
}

/// Reads a field that is there (possibly null) as `Some`: a missing one is `None` through
/// `default`, so `Option<Option<f64>>` survives the round trip (serde reads null as `None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

#[derive(Debug, Clone, PartialEq)]
struct MarketsQuery {
    vs: String,
    ids: Option<Vec<String>>,
    names: Option<Vec<String>>,
    symbols: Option<Vec<String>>,
    order: Order,
    per_page: u32,
    page: u32,
    sparkline: bool,
    timeframes: Vec<Lookback>,
    precision: Precision,
    date: Option<NaiveDate>,
}

fn whole(name: &str, raw: Option<&str>, default: u32, max: u32) -> Result<u32, ApiError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| bad(name, format!("'{v}': give a whole number from 1 to {max}"))),
    }
}

impl MarketsQuery {
    fn parse(p: &MarketsParams) -> Result<MarketsQuery, ApiError> {
        let vs = required("vs_currency", p.vs_currency.as_deref(), "usd")?.to_lowercase();
        let mut timeframes: Vec<Lookback> = list(
            "price_change_percentage",
            p.price_change_percentage.as_deref(),
        )?
        .unwrap_or_default()
        .iter()
        .map(|t| Lookback::parse_market(t).map_err(|r| bad("price_change_percentage", r)))
        .collect::<Result<_, _>>()?;
        timeframes.sort();
        timeframes.dedup();
        let date = match p.date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(
                RecordDate::parse_unpadded(raw)
                    .map_err(|r| bad("date", r))?
                    .get(),
            ),
        };
        let lower =
            |v: Option<Vec<String>>| v.map(|v| v.into_iter().map(|i| i.to_lowercase()).collect());
        Ok(MarketsQuery {
            vs,
            ids: lower(list("ids", p.ids.as_deref())?),
            names: lower(list("names", p.names.as_deref())?),
            symbols: lower(list("symbols", p.symbols.as_deref())?),
            order: match p.order.as_deref().map(str::trim) {
                None | Some("") => Order::MarketCapDesc,
                Some(raw) => Order::parse(raw)?,
            },
            per_page: whole(
                "per_page",
                p.per_page.as_deref(),
                DEFAULT_PER_PAGE,
                MAX_PER_PAGE,
            )?,
            page: whole("page", p.page.as_deref(), 1, u32::MAX)?,
            sparkline: flag("sparkline", p.sparkline.as_deref(), false)?,
            timeframes,
            precision: precision(p.precision.as_deref())?,
            date,
        })
    }

    /// The key of the answer: the table's and the order and page.
    fn key(&self) -> CacheKey {
        self.with_table_params(CacheKey::new("v3/coins/markets"))
            .param("order", format!("{:?}", self.order))
            .param("per_page", self.per_page)
            .param("page", self.page)
    }

    /// The key of the table every order and page is cut from.
    fn table_key(&self) -> CacheKey {
        self.with_table_params(CacheKey::new("v3/coins/markets/table"))
    }

    fn with_table_params(&self, key: CacheKey) -> CacheKey {
        let key = key.param("vs", &self.vs);
        let key = match (&self.ids, &self.names, &self.symbols) {
            (Some(ids), _, _) => key.list("ids", ids),
            (None, Some(names), _) => key.list("names", names),
            (None, None, Some(symbols)) => key.list("symbols", symbols),
            _ => key,
        };
        key.param("sparkline", self.sparkline)
            .list("tf", self.timeframes.iter().map(|t| t.name()))
            .param("precision", self.precision)
            .param(
                "date",
                self.date
                    .map_or_else(|| "latest".to_owned(), |d| d.to_string()),
            )
    }
}

/// Coins with their market figures in one currency.
#[utoipa::path(
    get,
    path = "/api/v3/coins/markets",
    tag = "coingecko",
    operation_id = "cg_coins_markets",
    summary = "Every coin's market figures in one currency",
    description = "The coins with a record on the day (the latest day held, or `date`), in \
        `vs_currency`: price, market cap and volume are the day's close, market cap and volume; \
        `high_24h`/`low_24h` the day's high and low; changes compare with the record exactly 1, 7, \
        14, 30, 200, 365 days earlier (null where either is missing); `ath`/`atl` are the highest \
        and lowest daily close up to the day. `market_cap_rank` is by USD market cap that day, \
        whatever the currency. In another coin's currency, each amount is divided by that coin's \
        close of the same day (null where it has none).",
    params(MarketsParams),
    responses(
        (status = 200, description = "One page of coins.", body = Vec<MarketCoin>),
        (status = 400, description = "A parameter is missing or malformed (named), or the \
            currency is unknown (`invalid vs_currency`).", body = CgError,
            example = json!({"error": "invalid vs_currency"})),
        (status = 500, description = "The database cannot be read.", body = CgError),
    )
)]
pub async fn coins_markets(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<MarketsParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = MarketsQuery::parse(&query_params(params)?)?;
    let key = query.key();
    Ok(state
        .cache
        .respond(&headers, &key, || async {
            let table = state
                .tables
                .v3
                .get_or_compute(&query.table_key(), || market_table(&state, &query))
                .await?;
            Ok(markets_page(&table, &query))
        })
        .await)
}

/// Every selected coin's row on the day, unsorted: what every order and page of one
/// question (currency, coins, figures, day) is cut from (cached once per data generation).
#[derive(Debug, Serialize, Deserialize)]
pub struct MarketTable {
    rows: Vec<TableRow>,
}

/// A row and what it is sorted by: the USD market cap and volume of the day.
#[derive(Debug, Serialize, Deserialize)]
struct TableRow {
    market_cap: f64,
    volume: f64,
    coin: MarketCoin,
}

/// One page of `table`, in the order asked.
fn markets_page(table: &MarketTable, q: &MarketsQuery) -> Answer {
    let mut rows: Vec<&TableRow> = table.rows.iter().collect();
    // Sorting by the USD amounts gives the same order as in any currency (one rate per day)
    // and never meets a null.
    rows.sort_by(|a, b| {
        let by_id = a.coin.id.cmp(&b.coin.id);
        match q.order {
            Order::MarketCapDesc => b.market_cap.total_cmp(&a.market_cap).then(by_id),
            Order::MarketCapAsc => a.market_cap.total_cmp(&b.market_cap).then(by_id),
            Order::VolumeDesc => b.volume.total_cmp(&a.volume).then(by_id),
            Order::VolumeAsc => a.volume.total_cmp(&b.volume).then(by_id),
            Order::IdAsc => by_id,
            Order::IdDesc => by_id.reverse(),
        }
    });
    let start = (q.page as usize - 1).saturating_mul(q.per_page as usize);
    let page: Vec<&MarketCoin> = rows
        .into_iter()
        .skip(start)
        .take(q.per_page as usize)
        .map(|row| &row.coin)
        .collect();
    Answer::json(&page)
}

async fn market_table(state: &AppState, q: &MarketsQuery) -> Result<Json<MarketTable>, ApiError> {
    let rows = table_rows(state, q).await?;
    Ok(Json::new(MarketTable { rows }))
}

async fn table_rows(state: &AppState, q: &MarketsQuery) -> Result<Vec<TableRow>, ApiError> {
    let universe = Universe::load(&state.store).await?;
    let vs = universe.vs(&q.vs)?;
    let Some(day) = q.date.or(universe.latest) else {
        return Ok(Vec::new());
    };
    let selected: Vec<&Currency> = universe
        .lookup(q.ids.as_deref(), q.names.as_deref(), q.symbols.as_deref())
        .unwrap_or_else(|| universe.currencies.iter().collect());
    if selected.is_empty() {
        return Ok(Vec::new());
    }
    let filtered = q.ids.is_some() || q.names.is_some() || q.symbols.is_some();
    let selected_ids: Vec<i64> = selected.iter().map(|c| c.id).collect();

    // The default page (USD, no sparkline, no timeframe but 1h and 24h) needs of each coin
    // its record of the day, the close and market cap of the day before and its highest and
    // lowest close: every coin's row of the day in `market_day`, one key range. Any other
    // asks for the records of the days referred to (and in another coin's currency, whole
    // histories).
    let of_day = matches!(vs, Vs::Usd)
        && !q.sparkline
        && q.timeframes
            .iter()
            .all(|t| matches!(t, Lookback::H1 | Lookback::H24));
    let days = if of_day {
        state.store.market_days(day, None).await?
    } else {
        Vec::new()
    };
    // Every coin's records on the days referred to: the ranks count every coin of the day.
    let recent = if of_day {
        HashMap::new()
    } else {
        by_coin(
            state
                .store
                .records_on_days(None, &reference_days(day, &q.timeframes, q.sparkline))
                .await?,
        )
    };
    let caps: HashMap<i64, f64> = if of_day {
        days.iter()
            .map(|d| (d.currency_id, d.record.market_cap()))
            .collect()
    } else {
        recent
            .iter()
            .filter_map(|(id, records)| {
                let last = records.last().filter(|r| r.date() == day)?;
                Some((*id, last.market_cap()))
            })
            .collect()
    };
    let ranks = ranks(&universe, &caps);
    let extremes = if of_day {
        days.iter()
            .map(|d| {
                let dated = |p: PricePoint| DatedClose {
                    value: p.price,
                    day: p.date,
                };
                (
                    d.currency_id,
                    (dated(d.highest_close), dated(d.lowest_close)),
                )
            })
            .collect()
    } else {
        extremes(state, &vs, filtered.then_some(&selected_ids[..]), day).await?
    };
    let of_day_by_id: HashMap<i64, &MarketDay> = days.iter().map(|d| (d.currency_id, d)).collect();

    let quote = vs.quote(&recent);
    let p = q.precision;
    let round = |v: Option<f64>| v.map(|v| p.apply(v));
    let mut rows: Vec<TableRow> = Vec::new();
    for coin in selected {
        let own = recent.get(&coin.id).map_or(&[][..], Vec::as_slice);
        let (usd_today, figures) = if of_day {
            let Some(d) = of_day_by_id.get(&coin.id) else {
                continue;
            };
            (d.record, Figures::of_usd_day(d))
        } else {
            let Some(usd_today) = own.last().filter(|r| r.date() == day) else {
                continue;
            };
            (*usd_today, Figures::new(own, day, quote))
        };
        let today = figures.today;
        let price = today.map(|t| t.close);
        let change = |lookback| match lookback {
            Lookback::H24 => figures.price_change_percentage_24h(),
            _ => price_change_percentage(own, day, lookback, quote),
        };
        let timeframe =
            |lookback: Lookback| q.timeframes.contains(&lookback).then(|| change(lookback));
        let (high, low) = match extremes.get(&coin.id) {
            Some((h, l)) => (Some(*h), Some(*l)),
            None => (None, None),
        };
        let from_extreme = |e: Option<DatedClose>| Some(percent_change(price?, e?.value)).flatten();
        let row = MarketCoin {
            id: coin.coin_id.to_string(),
            symbol: coin.symbol.as_str().to_ascii_lowercase(),
            name: coin.name.clone(),
            image: String::new(),
            current_price: round(price),
            market_cap: round(today.map(|t| t.market_cap)),
            market_cap_rank: ranks.get(&coin.id).copied(),
            fully_diluted_valuation: None,
            total_volume: round(today.map(|t| t.volume)),
            high_24h: round(today.map(|t| t.high)),
            low_24h: round(today.map(|t| t.low)),
            price_change_24h: round(figures.price_change_24h()),
            price_change_percentage_24h: change(Lookback::H24),
            market_cap_change_24h: round(figures.market_cap_change_24h()),
            market_cap_change_percentage_24h: figures.market_cap_change_percentage_24h(),
            circulating_supply: None,
            total_supply: None,
            max_supply: None,
            ath: round(high.map(|h| h.value)),
            ath_change_percentage: from_extreme(high),
            ath_date: high.map(|h| close_iso(h.day)),
            atl: round(low.map(|l| l.value)),
            atl_change_percentage: from_extreme(low),
            atl_date: low.map(|l| close_iso(l.day)),
            roi: None,
            last_updated: close_iso(day),
            price_change_percentage_1h_in_currency: timeframe(Lookback::H1),
            price_change_percentage_24h_in_currency: timeframe(Lookback::H24),
            price_change_percentage_7d_in_currency: timeframe(Lookback::D7),
            price_change_percentage_14d_in_currency: timeframe(Lookback::D14),
            price_change_percentage_30d_in_currency: timeframe(Lookback::D30),
            price_change_percentage_200d_in_currency: timeframe(Lookback::D200),
            price_change_percentage_1y_in_currency: timeframe(Lookback::Y1),
            sparkline_in_7d: q.sparkline.then(|| Sparkline {
                price: sparkline_7d(own, day, quote)
                    .into_iter()
                    .map(|v| p.apply(v))
                    .collect(),
            }),
        };
        rows.push(TableRow {
            market_cap: usd_today.market_cap(),
            volume: usd_today.volume(),
            coin: row,
        });
    }
    Ok(rows)
}

/// Each coin's highest and lowest close up to `day` in `vs`, by coin id. In USD, from the
/// store's index probes; in another coin's currency, from both coins' histories.
async fn extremes(
    state: &AppState,
    vs: &Vs<'_>,
    ids: Option<&[i64]>,
    day: NaiveDate,
) -> Result<HashMap<i64, (DatedClose, DatedClose)>, ApiError> {
    match vs {
        Vs::Usd => Ok(state
            .store
            .close_extremes(ids, day)
            .await?
            .into_iter()
            .map(|e| {
                (
                    e.currency_id,
                    (
                        DatedClose {
                            value: e.highest,
                            day: e.highest_date,
                        },
                        DatedClose {
                            value: e.lowest,
                            day: e.lowest_date,
                        },
                    ),
                )
            })
            .collect()),
        Vs::Coin(quote_coin) => {
            let mut wanted: Vec<i64> = match ids {
                Some(ids) => ids.to_vec(),
                None => state
                    .store
                    .currencies()
                    .await?
                    .iter()
                    .map(|c| c.id)
                    .collect(),
            };
            wanted.push(quote_coin.id);
            wanted.sort_unstable();
            wanted.dedup();
            let history = by_coin(
                state
                    .store
                    .records_between(&wanted, None, Some(day))
                    .await?,
            );
            let quote = vs.quote(&history);
            Ok(history
                .iter()
                .filter(|(id, _)| ids.is_none_or(|ids| ids.contains(id)))
                .filter_map(|(id, records)| Some((*id, close_extremes(records, quote)?)))
                .collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<MarketsQuery, ApiError> {
        let mut p = MarketsParams {
            vs_currency: Some("usd".into()),
            ..MarketsParams::default()
        };
        for (k, v) in pairs {
            let v = Some(v.to_string());
            match *k {
                "vs_currency" => p.vs_currency = v,
                "order" => p.order = v,
                "per_page" => p.per_page = v,
                "page" => p.page = v,
                "price_change_percentage" => p.price_change_percentage = v,
                "date" => p.date = v,
                "precision" => p.precision = v,
                "ids" => p.ids = v,
                _ => unreachable!(),
            }
        }
        MarketsQuery::parse(&p)
    }

    fn bad_param(pairs: &[(&str, &str)]) -> String {
        crate::test_support::bad_request_message(parse(pairs))
    }

    /// The table goes to Redis as JSON: a figure asked for and null (`Some(None)`) must come
    /// back as such, not as one left out.
    #[test]
    fn tables_survive_the_redis_form() {
        use crate::cache::Cached;
        let coin: MarketCoin = serde_json::from_value(serde_json::json!({
            "id": "bitcoin", "symbol": "btc", "name": "Bitcoin", "image": "",
            "current_price": 1.5, "market_cap": null, "market_cap_rank": 1,
            "fully_diluted_valuation": null, "total_volume": 2.0, "high_24h": null,
            "low_24h": null, "price_change_24h": null, "price_change_percentage_24h": null,
            "market_cap_change_24h": null, "market_cap_change_percentage_24h": null,
            "circulating_supply": null, "total_supply": null, "max_supply": null,
            "ath": null, "ath_change_percentage": null, "ath_date": null, "atl": null,
            "atl_change_percentage": null, "atl_date": null, "roi": null,
            "last_updated": "2021-07-07T00:00:00.000Z",
            "price_change_percentage_1h_in_currency": null,
            "price_change_percentage_7d_in_currency": 0.1,
            "sparkline_in_7d": {"price": [1.0, 0.30000000000000004]}
        }))
        .unwrap();
        assert_eq!(coin.price_change_percentage_1h_in_currency, Some(None));
        assert_eq!(coin.price_change_percentage_7d_in_currency, Some(Some(0.1)));
        assert_eq!(coin.price_change_percentage_24h_in_currency, None);
        let table = Json::new(MarketTable {
            rows: vec![TableRow {
                market_cap: 3.0,
                volume: 2.0,
                coin,
            }],
        });
        let back = Json::<MarketTable>::decode(table.encode()).unwrap();
        assert_eq!(back.encode(), table.encode());
        let answer = |t: &MarketTable| serde_json::to_string(&t.rows[0].coin).unwrap();
        assert_eq!(answer(&back), answer(&table));
        assert!(answer(&back).contains(r#""price_change_percentage_1h_in_currency":null"#));
        assert!(!answer(&back).contains("price_change_percentage_24h_in_currency"));
    }

    #[test]
    fn defaults_and_every_bad_parameter_named() {
        let q = parse(&[]).unwrap();
        assert_eq!(
            (q.order, q.per_page, q.page),
            (Order::MarketCapDesc, 100, 1)
        );
        assert!(bad_param(&[("vs_currency", " ")]).contains("'vs_currency'"));
        assert!(bad_param(&[("order", "price_desc")]).contains("'order'"));
        assert!(bad_param(&[("per_page", "251")]).contains("'per_page'"));
        assert!(bad_param(&[("page", "0")]).contains("'page'"));
        assert!(bad_param(&[("price_change_percentage", "24h,2d")])
            .contains("'price_change_percentage'"));
        assert!(bad_param(&[("date", "2021-02-30")]).contains("'date'"));
        assert!(bad_param(&[("precision", "full2")]).contains("'precision'"));
        let q = parse(&[
            ("price_change_percentage", "7d,1h,7D"),
            ("order", "ID_DESC"),
        ])
        .unwrap();
        assert_eq!(q.timeframes, [Lookback::H1, Lookback::D7]);
        assert_eq!(q.order, Order::IdDesc);
    }
}
