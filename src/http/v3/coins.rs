//! `GET /api/v3/coins/list`, `GET /api/v3/coins/{id}` and `GET /api/v3/coins/{id}/history`.

use std::collections::{BTreeMap, HashMap};

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, IntoResponses, ToSchema};

use super::{by_coin, flag, path_id, query_params, required, CgError, Universe, Vs};
use crate::analytics::coingecko::{
    close_extremes, close_iso, parse_history_date, price_change_percentage, sparkline_7d, Figures,
    Lookback,
};
use crate::analytics::markets::market_cap_ranks;
use crate::analytics::percent::percent_change;
use crate::cache::CacheKey;
use crate::domain::{Currency, DailyRecord};
use crate::http::{ApiError, AppState};

coin_object! {
    /// One coin of `/coins/list`.
    #[derive(Debug, Serialize, ToSchema)]
    pub struct ListedCoin {
        /// With `include_platform=true`: always empty (krispyto knows no token contracts).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub platforms: Option<BTreeMap<String, String>>,
    }
}

/// The query string of `/api/v3/coins/list`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `true` adds `platforms` (empty) to each coin.
    #[param(value_type = Option<bool>)]
    pub include_platform: Option<String>,
}

/// Every coin: id, lowercase symbol, name; ordered by id.
#[utoipa::path(
    get,
    path = "/api/v3/coins/list",
    tag = "coingecko",
    operation_id = "cg_coins_list",
    summary = "Every coin's id, symbol and name",
    params(ListParams),
    responses(
        (status = 200, description = "Every coin, ordered by id.", body = Vec<ListedCoin>),
        (status = 400, description = "`include_platform` is not a boolean.", body = CgError),
        (status = 500, description = "The database cannot be read.", body = CgError),
    )
)]
pub async fn coins_list(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = query_params(params)?;
    let platforms = flag(
        "include_platform",
        params.include_platform.as_deref(),
        false,
    )?;
    let key = CacheKey::new("v3/coins/list").param("include_platform", platforms);
    Ok(state
        .cache
        .respond(&headers, &key, || async {
            let mut coins: Vec<ListedCoin> = state
                .store
                .currencies()
                .await?
                .into_iter()
                .map(|c| ListedCoin {
                    id: c.coin_id.to_string(),
                    symbol: c.symbol.as_str().to_ascii_lowercase(),
                    name: c.name,
                    platforms: platforms.then(BTreeMap::new),
                })
                .collect();
            coins.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(coins)
        })
        .await)
}

/// `image` of the coin object: krispyto has no images.
#[derive(Debug, Serialize, ToSchema, Default)]
pub struct Image {
    pub thumb: Option<String>,
    pub small: Option<String>,
    pub large: Option<String>,
}

/// `links.repos_url`.
#[derive(Debug, Serialize, ToSchema, Default)]
pub struct ReposUrl {
    pub github: Vec<String>,
    pub bitbucket: Vec<String>,
}

/// `links` of the coin object: krispyto knows none.
#[derive(Debug, Serialize, ToSchema, Default)]
pub struct Links {
    pub homepage: Vec<String>,
    pub whitepaper: Option<String>,
    pub blockchain_site: Vec<String>,
    pub official_forum_url: Vec<String>,
    pub chat_url: Vec<String>,
    pub announcement_url: Vec<String>,
    pub snapshot_url: Option<String>,
    pub twitter_screen_name: Option<String>,
    pub facebook_username: Option<String>,
    pub bitcointalk_thread_identifier: Option<i64>,
    pub telegram_channel_identifier: Option<String>,
    pub subreddit_url: Option<String>,
    pub repos_url: ReposUrl,
}

/// Amounts keyed by currency code (`usd`, `btc`, ...); a currency without a value is left out.
pub type ByCurrency = BTreeMap<String, f64>;

/// `sparkline_7d` / `sparkline_in_7d`: the 8 daily closes of the last 7 days.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct Sparkline {
    pub price: Vec<f64>,
}

/// `market_data` of the coin object, as of the end of the latest day held.
#[derive(Debug, Serialize, ToSchema, Default)]
pub struct CoinMarketData {
    pub current_price: ByCurrency,
    /// The highest daily close in each currency, the earliest on a tie.
    pub ath: ByCurrency,
    pub ath_change_percentage: ByCurrency,
    /// When the `ath` close was observed (`YYYY-MM-DDT00:00:00.000Z`, the next midnight).
    pub ath_date: BTreeMap<String, String>,
    pub atl: ByCurrency,
    pub atl_change_percentage: ByCurrency,
    pub atl_date: BTreeMap<String, String>,
    pub market_cap: ByCurrency,
    /// By USD market cap on the latest day, among coins with a market cap > 0.
    pub market_cap_rank: Option<u32>,
    /// Unknown: always empty.
    pub fully_diluted_valuation: ByCurrency,
    pub total_volume: ByCurrency,
    pub high_24h: ByCurrency,
    pub low_24h: ByCurrency,
    /// In USD.
    pub price_change_24h: Option<f64>,
    /// In USD, percent, against the record exactly 1, 7, 14, 30, 60, 200, 365 days earlier.
    pub price_change_percentage_24h: Option<f64>,
    pub price_change_percentage_7d: Option<f64>,
    pub price_change_percentage_14d: Option<f64>,
    pub price_change_percentage_30d: Option<f64>,
    pub price_change_percentage_60d: Option<f64>,
    pub price_change_percentage_200d: Option<f64>,
    pub price_change_percentage_1y: Option<f64>,
    /// In USD.
    pub market_cap_change_24h: Option<f64>,
    pub market_cap_change_percentage_24h: Option<f64>,
    pub price_change_24h_in_currency: ByCurrency,
    /// Always empty: there is no intraday data.
    pub price_change_percentage_1h_in_currency: ByCurrency,
    pub price_change_percentage_24h_in_currency: ByCurrency,
    pub price_change_percentage_7d_in_currency: ByCurrency,
    pub price_change_percentage_14d_in_currency: ByCurrency,
    pub price_change_percentage_30d_in_currency: ByCurrency,
    pub price_change_percentage_60d_in_currency: ByCurrency,
    pub price_change_percentage_200d_in_currency: ByCurrency,
    pub price_change_percentage_1y_in_currency: ByCurrency,
    pub market_cap_change_24h_in_currency: ByCurrency,
    pub market_cap_change_percentage_24h_in_currency: ByCurrency,
    /// Unknown: null.
    pub total_supply: Option<f64>,
    pub max_supply: Option<f64>,
    pub circulating_supply: Option<f64>,
    /// With `sparkline=true`: the USD closes of the last 8 days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sparkline_7d: Option<Sparkline>,
    #[schema(example = "2021-07-07T00:00:00.000Z")]
    pub last_updated: String,
}

coin_object! {
    /// `GET /api/v3/coins/{id}`: CoinGecko's coin object. What krispyto does not know (links,
    /// images, descriptions, platforms, supplies, tickers, community and developer data) is present
    /// and empty, never invented.
    #[derive(Debug, Serialize, ToSchema)]
    pub struct CoinObject {
        /// The id.
        pub web_slug: String,
        pub asset_platform_id: Option<String>,
        pub platforms: BTreeMap<String, String>,
        pub detail_platforms: BTreeMap<String, serde_json::Value>,
        /// Unknown: 0.
        pub block_time_in_minutes: f64,
        pub hashing_algorithm: Option<String>,
        pub categories: Vec<String>,
        pub preview_listing: bool,
        pub public_notice: Option<String>,
        pub additional_notices: Vec<String>,
        /// With `localization=true` (the default): `{"en": name}`.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub localization: Option<BTreeMap<String, String>>,
        pub description: BTreeMap<String, String>,
        pub links: Links,
        pub image: Image,
        pub country_origin: String,
        pub genesis_date: Option<String>,
        pub sentiment_votes_up_percentage: Option<f64>,
        pub sentiment_votes_down_percentage: Option<f64>,
        /// Unknown: 0.
        pub watchlist_portfolio_users: f64,
        pub market_cap_rank: Option<u32>,
        pub has_supply_breakdown: bool,
        /// With `market_data=true` (the default).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub market_data: Option<CoinMarketData>,
        /// With `community_data=true` (the default): empty.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub community_data: Option<BTreeMap<String, serde_json::Value>>,
        /// With `developer_data=true` (the default): empty.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub developer_data: Option<BTreeMap<String, serde_json::Value>>,
        pub status_updates: Vec<serde_json::Value>,
        #[schema(example = "2021-07-07T00:00:00.000Z")]
        pub last_updated: String,
        /// With `tickers=true` (the default): empty (krispyto knows no exchanges).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub tickers: Option<Vec<serde_json::Value>>,
    }
}

/// The query string of `/api/v3/coins/{id}`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoinParams {
    /// `true` (default) adds `localization`.
    #[param(value_type = Option<bool>)]
    pub localization: Option<String>,
    /// `true` (default) adds `tickers` (empty).
    #[param(value_type = Option<bool>)]
    pub tickers: Option<String>,
    /// `true` (default) adds `market_data`.
    #[param(value_type = Option<bool>)]
    pub market_data: Option<String>,
    /// `true` (default) adds `community_data` (empty).
    #[param(value_type = Option<bool>)]
    pub community_data: Option<String>,
    /// `true` (default) adds `developer_data` (empty).
    #[param(value_type = Option<bool>)]
    pub developer_data: Option<String>,
    /// `true` adds `market_data.sparkline_7d`.
    #[param(value_type = Option<bool>)]
    pub sparkline: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CoinQuery {
    localization: bool,
    tickers: bool,
    market_data: bool,
    community_data: bool,
    developer_data: bool,
    sparkline: bool,
}

impl CoinQuery {
    fn parse(p: &CoinParams) -> Result<CoinQuery, ApiError> {
        Ok(CoinQuery {
            localization: flag("localization", p.localization.as_deref(), true)?,
            tickers: flag("tickers", p.tickers.as_deref(), true)?,
            market_data: flag("market_data", p.market_data.as_deref(), true)?,
            community_data: flag("community_data", p.community_data.as_deref(), true)?,
            developer_data: flag("developer_data", p.developer_data.as_deref(), true)?,
            sparkline: flag("sparkline", p.sparkline.as_deref(), false)?,
        })
    }
}

/// The failures every route on one coin documents beside its own 400: the chart routes and
/// `coin_history`.
#[derive(IntoResponses)]
pub enum CoinFailures {
    #[response(status = 404, description = "No coin has this id: `coin not found`.")]
    NotFound(CgError),
    #[response(status = 500, description = "The database cannot be read.")]
    Unreadable(CgError),
}

/// The coin id in the path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CoinPath {
    /// The coin's id (`GET /api/v3/coins/list`); unknown: 404 `coin not found`.
    #[param(example = "bitcoin")]
    pub id: String,
}

/// The coin object, as of the end of the latest day held.
#[utoipa::path(
    get,
    path = "/api/v3/coins/{id}",
    tag = "coingecko",
    operation_id = "cg_coin",
    summary = "A coin: its market data in every currency",
    description = "Market data in `usd` and every coin's currency (cross rates of the same day), \
        as of the end of the latest day held. `ath`/`atl` are the highest and lowest daily close \
        in each currency (the earliest on a tie), dated at that close's instant. Changes compare \
        the latest day with the record exactly 1, 7, 14, 30, 60, 200, 365 days earlier; the plain \
        `price_change_percentage_*` are in USD.",
    params(CoinPath, CoinParams),
    responses(
        (status = 200, description = "The coin object.", body = CoinObject),
        (status = 400, description = "A flag is not a boolean (named).", body = CgError),
        (status = 404, description = "No coin has this id: `coin not found`.", body = CgError,
            example = json!({"error": "coin not found"})),
        (status = 500, description = "The database cannot be read.", body = CgError),
    )
)]
pub async fn coin(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    params: Result<Query<CoinParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id)?;
    let q = CoinQuery::parse(&query_params(params)?)?;
    let key = CacheKey::new("v3/coins/id")
        .param("id", &id)
        .param("localization", q.localization)
        .param("tickers", q.tickers)
        .param("market_data", q.market_data)
        .param("community_data", q.community_data)
        .param("developer_data", q.developer_data)
        .param("sparkline", q.sparkline);
    Ok(state
        .cache
        .respond(&headers, &key, || coin_object(&state, id, q))
        .await)
}

async fn coin_object(state: &AppState, id: String, q: CoinQuery) -> Result<CoinObject, ApiError> {
    let universe = Universe::load(&state.store).await?;
    let coin = universe.coin(&id)?;
    let (market_data, rank) = match (q.market_data, universe.latest) {
        (true, Some(latest)) => {
            let data = market_data(state, &universe, coin, latest, q.sparkline).await?;
            let rank = data.market_cap_rank;
            (Some(data), rank)
        }
        (true, None) => (Some(CoinMarketData::default()), None),
        (false, Some(latest)) => (None, rank_on(state, &universe, coin, latest).await?),
        (false, None) => (None, None),
    };
    let empty = || Some(BTreeMap::new());
    Ok(CoinObject {
        id: coin.coin_id.to_string(),
        symbol: coin.symbol.as_str().to_ascii_lowercase(),
        name: coin.name.clone(),
        web_slug: coin.coin_id.to_string(),
        asset_platform_id: None,
        platforms: BTreeMap::new(),
        detail_platforms: BTreeMap::new(),
        block_time_in_minutes: 0.0,
        hashing_algorithm: None,
        categories: Vec::new(),
        preview_listing: false,
        public_notice: None,
        additional_notices: Vec::new(),
        localization: q
            .localization
            .then(|| BTreeMap::from([("en".to_owned(), coin.name.clone())])),
        description: BTreeMap::new(),
        links: Links::default(),
        image: Image::default(),
        country_origin: String::new(),
        genesis_date: None,
        sentiment_votes_up_percentage: None,
        sentiment_votes_down_percentage: None,
        watchlist_portfolio_users: 0.0,
        market_cap_rank: rank,
        has_supply_breakdown: false,
        market_data,
        community_data: if q.community_data { empty() } else { None },
        developer_data: if q.developer_data { empty() } else { None },
        status_updates: Vec::new(),
        last_updated: last_updated(universe.latest),
        tickers: q.tickers.then(Vec::new),
    })
}

/// "Now": the end of the latest day held (the UNIX epoch when nothing is held yet).
fn last_updated(latest: Option<NaiveDate>) -> String {
    latest.map_or_else(|| "1970-01-01T00:00:00.000Z".into(), close_iso)
}

/// The coin's rank by USD market cap on `day` among every coin with a market cap > 0.
async fn rank_on(
    state: &AppState,
    universe: &Universe,
    coin: &Currency,
    day: NaiveDate,
) -> Result<Option<u32>, ApiError> {
    let caps: HashMap<i64, f64> = state.store.market_caps_on(day).await?.into_iter().collect();
    Ok(ranks(universe, &caps).get(&coin.id).copied())
}

/// Ranks by USD market cap, from each coin's market cap of one day.
pub fn ranks(universe: &Universe, caps: &HashMap<i64, f64>) -> HashMap<i64, u32> {
    let ranked: Vec<(&Currency, f64)> = universe
        .currencies
        .iter()
        .filter_map(|c| caps.get(&c.id).map(|cap| (c, *cap)))
        .collect();
    market_cap_ranks(&ranked)
}

/// The coin's market data in every currency. Reads every coin's records from the coin's first
/// day on: an all-time high in another coin's currency converts each day on its own.
async fn market_data(
    state: &AppState,
    universe: &Universe,
    coin: &Currency,
    latest: NaiveDate,
    sparkline: bool,
) -> Result<CoinMarketData, ApiError> {
    let own_rows = state
        .store
        .records_between(&[coin.id], None, Some(latest))
        .await?;
    let own: Vec<DailyRecord> = own_rows.into_iter().map(|(_, r)| r).collect();
    let first = own.first().map(|r| r.date());
    let all_ids: Vec<i64> = universe.currencies.iter().map(|c| c.id).collect();
    let others = match first {
        Some(first) => by_coin(
            state
                .store
                .records_between(&all_ids, Some(first), Some(latest))
                .await?,
        ),
        None => HashMap::new(),
    };
    let caps: HashMap<i64, f64> = others
        .iter()
        .filter_map(|(id, records)| {
            let last = records.last().filter(|r| r.date() == latest)?;
            Some((*id, last.market_cap()))
        })
        .collect();
    let rank = if first.is_some() {
        ranks(universe, &caps).get(&coin.id).copied()
    } else {
        rank_on(state, universe, coin, latest).await?
    };

    let mut data = CoinMarketData {
        market_cap_rank: rank,
        last_updated: close_iso(latest),
        ..CoinMarketData::default()
    };
    for vs in universe.all_vs() {
        let code = vs.code();
        let quote = vs.quote(&others);
        let figures = Figures::new(&own, latest, quote);
        let put = |map: &mut ByCurrency, value: Option<f64>| {
            if let Some(v) = value.filter(|v| v.is_finite()) {
                map.insert(code.clone(), v);
            }
        };
        let today = figures.today;
        put(&mut data.current_price, today.map(|t| t.close));
        put(&mut data.market_cap, today.map(|t| t.market_cap));
        put(&mut data.total_volume, today.map(|t| t.volume));
        put(&mut data.high_24h, today.map(|t| t.high));
        put(&mut data.low_24h, today.map(|t| t.low));
        put(
            &mut data.price_change_24h_in_currency,
            figures.price_change_24h(),
        );
        put(
            &mut data.market_cap_change_24h_in_currency,
            figures.market_cap_change_24h(),
        );
        put(
            &mut data.market_cap_change_percentage_24h_in_currency,
            figures.market_cap_change_percentage_24h(),
        );
        let change = |lookback| price_change_percentage(&own, latest, lookback, quote);
        for (map, lookback) in [
            (
                &mut data.price_change_percentage_24h_in_currency,
                Lookback::H24,
            ),
            (
                &mut data.price_change_percentage_7d_in_currency,
                Lookback::D7,
            ),
            (
                &mut data.price_change_percentage_14d_in_currency,
                Lookback::D14,
            ),
            (
                &mut data.price_change_percentage_30d_in_currency,
                Lookback::D30,
            ),
            (
                &mut data.price_change_percentage_60d_in_currency,
                Lookback::D60,
            ),
            (
                &mut data.price_change_percentage_200d_in_currency,
                Lookback::D200,
            ),
            (
                &mut data.price_change_percentage_1y_in_currency,
                Lookback::Y1,
            ),
        ] {
            put(map, change(lookback));
        }
        if let Some((high, low)) = close_extremes(&own, quote) {
            put(&mut data.ath, Some(high.value));
            put(&mut data.atl, Some(low.value));
            data.ath_date.insert(code.clone(), close_iso(high.day));
            data.atl_date.insert(code.clone(), close_iso(low.day));
            if let Some(now) = today.map(|t| t.close) {
                put(
                    &mut data.ath_change_percentage,
                    percent_change(now, high.value),
                );
                put(
                    &mut data.atl_change_percentage,
                    percent_change(now, low.value),
                );
            }
        }
        if let Vs::Usd = vs {
            data.price_change_24h = figures.price_change_24h();
            data.market_cap_change_24h = figures.market_cap_change_24h();
            data.market_cap_change_percentage_24h = figures.market_cap_change_percentage_24h();
            for (field, lookback) in [
                (&mut data.price_change_percentage_24h, Lookback::H24),
                (&mut data.price_change_percentage_7d, Lookback::D7),
                (&mut data.price_change_percentage_14d, Lookback::D14),
                (&mut data.price_change_percentage_30d, Lookback::D30),
                (&mut data.price_change_percentage_60d, Lookback::D60),
                (&mut data.price_change_percentage_200d, Lookback::D200),
                (&mut data.price_change_percentage_1y, Lookback::Y1),
            ] {
                *field = change(lookback);
            }
            if sparkline {
                data.sparkline_7d = Some(Sparkline {
                    price: sparkline_7d(&own, latest, quote),
                });
            }
        }
    }
    Ok(data)
}

/// The query string of `/api/v3/coins/{id}/history`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Required: the day, `dd-mm-yyyy` (CoinGecko's documented form) or `yyyy-mm-dd`.
    #[param(required = true, example = "30-12-2020")]
    pub date: Option<String>,
    /// `true` (default) adds `localization`.
    #[param(value_type = Option<bool>)]
    pub localization: Option<String>,
}

/// `market_data` of a history snapshot.
#[derive(Debug, Serialize, ToSchema, Default)]
pub struct HistoryMarketData {
    pub current_price: ByCurrency,
    pub market_cap: ByCurrency,
    pub total_volume: ByCurrency,
}

/// `image` of a history snapshot: krispyto has no images.
#[derive(Debug, Serialize, ToSchema, Default)]
pub struct HistoryImage {
    pub thumb: Option<String>,
    pub small: Option<String>,
}

/// `public_interest_stats`: unknown.
#[derive(Debug, Serialize, ToSchema, Default)]
pub struct PublicInterestStats {
    pub alexa_rank: Option<f64>,
    pub bing_matches: Option<f64>,
}

/// `GET /api/v3/coins/{id}/history`: the coin at `date` 00:00 UTC.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistorySnapshot {
    pub id: String,
    pub symbol: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub localization: Option<BTreeMap<String, String>>,
    pub image: HistoryImage,
    /// The close, market cap and volume of the day before `date` (what was observed at
    /// `date` 00:00 UTC), in every currency; empty on a day without that record.
    pub market_data: HistoryMarketData,
    /// Empty.
    pub community_data: BTreeMap<String, serde_json::Value>,
    /// Empty.
    pub developer_data: BTreeMap<String, serde_json::Value>,
    pub public_interest_stats: PublicInterestStats,
}

/// The coin as observed at 00:00 UTC of a day.
#[utoipa::path(
    get,
    path = "/api/v3/coins/{id}/history",
    tag = "coingecko",
    operation_id = "cg_coin_history",
    summary = "A coin's snapshot at a day's 00:00 UTC",
    description = "Price, market cap and volume are the close, market cap and volume of the day \
        before `date`: what was observed at `date` 00:00 UTC. On a day without that record (a \
        gap, before listing, after the latest day) `market_data` holds no prices: never a \
        neighbouring day's.",
    params(CoinPath, HistoryParams),
    responses(
        (status = 200, description = "The snapshot.", body = HistorySnapshot),
        (status = 400, description = "`date` is missing or not a real date (named).", body = CgError),
        CoinFailures,
    )
)]
pub async fn coin_history(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    params: Result<Query<HistoryParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id)?;
    let params = query_params(params)?;
    let raw = required("date", params.date.as_deref(), "30-12-2020")?;
    let date = parse_history_date(raw).map_err(|reason| super::bad("date", reason))?;
    let localization = flag("localization", params.localization.as_deref(), true)?;
    let key = CacheKey::new("v3/coins/history")
        .param("id", &id)
        .param("date", date)
        .param("localization", localization);
    Ok(state
        .cache
        .respond(&headers, &key, || snapshot(&state, id, date, localization))
        .await)
}

async fn snapshot(
    state: &AppState,
    id: String,
    date: NaiveDate,
    localization: bool,
) -> Result<HistorySnapshot, ApiError> {
    let universe = Universe::load(&state.store).await?;
    let coin = universe.coin(&id)?;
    let mut market_data = HistoryMarketData::default();
    if let Some(observed) = date.checked_sub_days(Days::new(1)) {
        let records = by_coin(state.store.records_on_days(None, &[observed]).await?);
        if let Some(record) = records.get(&coin.id).and_then(|r| r.first()) {
            for vs in universe.all_vs() {
                if let Some(r) = vs.quote(&records).convert(record) {
                    let code = vs.code();
                    market_data.current_price.insert(code.clone(), r.close);
                    market_data.market_cap.insert(code.clone(), r.market_cap);
                    market_data.total_volume.insert(code, r.volume);
                }
            }
        }
    }
    Ok(HistorySnapshot {
        id: coin.coin_id.to_string(),
        symbol: coin.symbol.as_str().to_ascii_lowercase(),
        name: coin.name.clone(),
        localization: localization.then(|| BTreeMap::from([("en".to_owned(), coin.name.clone())])),
        image: HistoryImage::default(),
        market_data,
        community_data: BTreeMap::new(),
        developer_data: BTreeMap::new(),
        public_interest_stats: PublicInterestStats::default(),
    })
}
