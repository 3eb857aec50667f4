//! `GET /api/v3/coins/{id}/market_chart`, `.../market_chart/range`, `.../ohlc` and
//! `.../ohlc/range`: a coin's daily points and candles over a window or a range, in any
//! currency. Two queries: the coins and latest day, then the coin's (and the quote coin's)
//! records of the window.

use std::future::Future;
use std::marker::PhantomData;

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, IntoResponses, ToSchema};

use super::coins::{CoinFailures, CoinPath};
use super::{
    bad, by_coin, daily_interval, path_id, precision, query_params, required, CgError, Universe,
};
use crate::analytics::coingecko::{
    candles, chart, parse_instant, range_days, Candle, Chart, Precision, Span,
};
use crate::cache::CacheKey;
use crate::domain::DailyRecord;
use crate::http::{ApiError, AppState};

/// `market_chart`'s answer: `[UNIX ms, value]` points, one per record, at the record's close
/// instant (the next midnight, UTC).
#[derive(Debug, Serialize, ToSchema, Default)]
pub struct MarketChart {
    #[schema(value_type = Vec<Vec<f64>>, example = json!([[1625529600000_i64, 33746.00245898], [1625616000000_i64, 34235.19345116]]))]
    pub prices: Vec<(i64, f64)>,
    #[schema(value_type = Vec<Vec<f64>>)]
    pub market_caps: Vec<(i64, f64)>,
    #[schema(value_type = Vec<Vec<f64>>)]
    pub total_volumes: Vec<(i64, f64)>,
}

impl MarketChart {
    fn from_chart(c: Chart, p: Precision) -> MarketChart {
        let round =
            |points: Vec<(i64, f64)>| points.into_iter().map(|(t, v)| (t, p.apply(v))).collect();
        MarketChart {
            prices: round(c.prices),
            market_caps: round(c.market_caps),
            total_volumes: round(c.total_volumes),
        }
    }
}

/// The query string of `market_chart` and `ohlc`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SpanParams {
    /// Required: `usd` or a coin's symbol; unknown: 400 `invalid vs_currency`.
    #[param(required = true, example = "usd")]
    pub vs_currency: Option<String>,
    /// Required: a whole number of days from 1 to 100,000, or `max`. Gives the points whose
    /// instant falls in [now − days, now]: days + 1 daily points (`ohlc`: CoinGecko takes
    /// only 1, 7, 14, 30, 90, 180, 365, max).
    #[param(
        required = true,
        pattern = r"^\s*([1-9][0-9]{0,4}|100000|[mM][aA][xX])\s*$",
        example = "30"
    )]
    pub days: Option<String>,
    /// `daily` or nothing. `market_chart`: every point is daily either way; `ohlc`: one candle
    /// per day whatever `days` (by default, beyond 30 days, 4-day candles as CoinGecko gives).
    #[param(example = "daily")]
    pub interval: Option<String>,
    /// `full` (default) or 0 to 18 decimals.
    #[param(pattern = r"^(full|[0-9]|1[0-8])$")]
    pub precision: Option<String>,
}

/// The query string of `market_chart/range` and `ohlc/range`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeParams {
    /// Required: `usd` or a coin's symbol; unknown: 400 `invalid vs_currency`.
    #[param(required = true, example = "usd")]
    pub vs_currency: Option<String>,
    /// Required: UNIX seconds, `YYYY-MM-DD` (00:00 UTC) or `YYYY-MM-DDTHH:MM` (UTC); included.
    #[param(required = true, example = "2021-01-01")]
    pub from: Option<String>,
    /// Required, like `from`, not before it; included.
    #[param(required = true, example = "2021-01-31")]
    pub to: Option<String>,
    /// `daily` or nothing.
    #[param(example = "daily")]
    pub interval: Option<String>,
    /// `full` (default) or 0 to 18 decimals.
    #[param(pattern = r"^(full|[0-9]|1[0-8])$")]
    pub precision: Option<String>,
}

/// What a chart or candle request asks, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    vs: String,
    days: Days,
    /// Candles: one per day (`interval=daily`) rather than CoinGecko's default widths.
    daily: bool,
    precision: Precision,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Days {
    Span(Span),
    /// Inclusive instants, UNIX seconds.
    Range(i64, i64),
}

impl Window {
    fn key(&self, route: &'static str, id: &str) -> CacheKey {
        let days = match self.days {
            Days::Span(span) => span.to_string(),
            Days::Range(from, to) => format!("{from}..{to}"),
        };
        CacheKey::new(route)
            .param("id", id)
            .param("vs", &self.vs)
            .param("days", days)
            .param("daily", self.daily)
            .param("precision", self.precision)
    }
}

fn vs_currency(raw: Option<&str>) -> Result<String, ApiError> {
    Ok(required("vs_currency", raw, "usd")?.to_lowercase())
}

fn span(raw: Option<&str>) -> Result<Span, ApiError> {
    Span::parse(required("days", raw, "30")?).map_err(|reason| bad("days", reason))
}

fn range(from: Option<&str>, to: Option<&str>) -> Result<Days, ApiError> {
    let from = parse_instant(required("from", from, "2021-01-01")?).map_err(|r| bad("from", r))?;
    let to = parse_instant(required("to", to, "2021-01-31")?).map_err(|r| bad("to", r))?;
    if from > to {
        return Err(ApiError::BadRequest(
            "The 'from' parameter is after 'to': give from <= to.".into(),
        ));
    }
    Ok(Days::Range(from, to))
}

/// The coin's records of the window (and the quote coin's), then `make` over them.
async fn over_window<T>(
    state: &AppState,
    id: &str,
    w: &Window,
    make: impl FnOnce(&[DailyRecord], crate::analytics::coingecko::Quote<'_>, NaiveDate) -> T,
    empty: T,
) -> Result<T, ApiError> {
    let universe = Universe::load(&state.store).await?;
    let coin = universe.coin(id)?;
    let vs = universe.vs(&w.vs)?;
    let Some(latest) = universe.latest else {
        return Ok(empty);
    };
    let (from, to) = match w.days {
        Days::Span(span) => (span.first_day(latest), Some(latest)),
        Days::Range(from, to) => match range_days(from, to) {
            Some((first, last)) => (Some(first), Some(last)),
            None => return Ok(empty),
        },
    };
    let mut ids = vec![coin.id];
    ids.extend(vs.currency_id());
    let records = by_coin(state.store.records_between(&ids, from, to).await?);
    let own = records.get(&coin.id).map_or(&[][..], Vec::as_slice);
    Ok(make(own, vs.quote(&records), latest))
}

async fn chart_answer(state: &AppState, id: String, w: Window) -> Result<MarketChart, ApiError> {
    let p = w.precision;
    over_window(
        state,
        &id,
        &w,
        |own, quote, _| MarketChart::from_chart(chart(own, quote), p),
        MarketChart::default(),
    )
    .await
}

/// `[ms, open, high, low, close]` rows.
type Ohlc = Vec<(i64, f64, f64, f64, f64)>;

async fn ohlc_answer(state: &AppState, id: String, w: Window) -> Result<Ohlc, ApiError> {
    let p = w.precision;
    let four_day = !w.daily && matches!(w.days, Days::Span(s) if s.wants_four_day_candles());
    over_window(
        state,
        &id,
        &w,
        |own, quote, latest| {
            candles(own, quote, latest, four_day)
                .into_iter()
                .map(
                    |Candle {
                         at_ms,
                         open,
                         high,
                         low,
                         close,
                     }| {
                        (
                            at_ms,
                            p.apply(open),
                            p.apply(high),
                            p.apply(low),
                            p.apply(close),
                        )
                    },
                )
                .collect()
        },
        Vec::new(),
    )
    .await
}

/// The 400 of the `days` routes (`market_chart`, `ohlc`).
#[derive(IntoResponses)]
#[response(
    status = 400,
    description = "A parameter is missing or malformed (named), or the currency is unknown \
        (`invalid vs_currency`)."
)]
pub struct SpanInvalid(pub CgError);

/// The 400 of the `/range` routes.
#[derive(IntoResponses)]
#[response(
    status = 400,
    description = "A parameter is missing or malformed (named), `from` is after `to`, or the \
        currency is unknown (`invalid vs_currency`)."
)]
pub struct RangeInvalid(pub CgError);

/// A coin's daily price, market cap and volume over the last `days`.
#[utoipa::path(
    get,
    path = "/api/v3/coins/{id}/market_chart",
    tag = "coingecko",
    operation_id = "cg_market_chart",
    summary = "A coin's daily prices, market caps and volumes over the last N days",
    description = "The daily points whose instant (the close of day D is observed at D+1 00:00 \
        UTC) falls in [now − days, now], now being the end of the latest day held: `days=1` \
        gives 2 points, `days=7` 8. In another coin's currency, a day that coin has no record \
        for is left out.",
    params(CoinPath, SpanParams),
    responses(
        (status = 200, description = "The three series.", body = MarketChart),
        SpanInvalid,
        CoinFailures,
    )
)]
pub async fn market_chart(request: ChartRequest<SpanParams>) -> Response {
    // Every point is daily, asked or not.
    request
        .every_day()
        .answer("v3/market_chart", chart_answer)
        .await
}

/// A coin's daily price, market cap and volume between two instants.
#[utoipa::path(
    get,
    path = "/api/v3/coins/{id}/market_chart/range",
    tag = "coingecko",
    operation_id = "cg_market_chart_range",
    summary = "A coin's daily prices, market caps and volumes between two instants",
    description = "The daily points whose instant falls in [from, to], both included: \
        `from=2021-01-01&to=2021-01-31` gives the closes of 2020-12-31 through 2021-01-30.",
    params(CoinPath, RangeParams),
    responses(
        (status = 200, description = "The three series.", body = MarketChart),
        RangeInvalid,
        CoinFailures,
    )
)]
pub async fn market_chart_range(request: ChartRequest<RangeParams>) -> Response {
    request.answer("v3/market_chart/range", chart_answer).await
}

/// A coin's candles over the last `days`.
#[utoipa::path(
    get,
    path = "/api/v3/coins/{id}/ohlc",
    tag = "coingecko",
    operation_id = "cg_ohlc",
    summary = "A coin's OHLC candles over the last N days",
    description = "`[ms, open, high, low, close]`, stamped at the candle's close (the end of its \
        last day). Daily candles up to 30 days or with `interval=daily`; beyond (or `max`), \
        CoinGecko's 4-day candles in blocks counted back from the latest day ([L−3..L], \
        [L−7..L−4], …), the earliest cut at the window's start: the first day's open, the highest \
        high, the lowest low, the last day's close. Days without a record are in no candle.",
    params(CoinPath, SpanParams),
    responses(
        (status = 200, description = "The candles, oldest first.", body = Vec<Vec<f64>>,
            example = json!([[1625616000000_i64, 33746.00245898, 35064.6, 33620.0, 34235.19345116]])),
        SpanInvalid,
        CoinFailures,
    )
)]
pub async fn ohlc(request: ChartRequest<SpanParams>) -> Response {
    request.answer("v3/ohlc", ohlc_answer).await
}

/// A coin's daily candles between two instants.
#[utoipa::path(
    get,
    path = "/api/v3/coins/{id}/ohlc/range",
    tag = "coingecko",
    operation_id = "cg_ohlc_range",
    summary = "A coin's daily OHLC candles between two instants",
    description = "One candle per day whose close instant falls in [from, to], both included \
        (CoinGecko's paid endpoint, here without a plan).",
    params(CoinPath, RangeParams),
    responses(
        (status = 200, description = "The candles, oldest first.", body = Vec<Vec<f64>>),
        RangeInvalid,
        CoinFailures,
    )
)]
pub async fn ohlc_range(request: ChartRequest<RangeParams>) -> Response {
    request.answer("v3/ohlc/range", ohlc_answer).await
}

/// The query string of a chart or candle route: the window it asks for.
pub trait WindowParams: DeserializeOwned + Send {
    fn window(&self) -> Result<Window, ApiError>;
}

impl WindowParams for SpanParams {
    fn window(&self) -> Result<Window, ApiError> {
        span_window(self)
    }
}

impl WindowParams for RangeParams {
    fn window(&self) -> Result<Window, ApiError> {
        range_window(self)
    }
}

/// What the four routes share: the coin id of the path and the window of the query string
/// `P` (parsed in that order: a bad path is named first), with what answering needs. Each
/// route is this, its cache route and its answer.
pub struct ChartRequest<P> {
    state: AppState,
    headers: HeaderMap,
    id: String,
    window: Window,
    params: PhantomData<fn() -> P>,
}

impl<P: WindowParams> FromRequestParts<AppState> for ChartRequest<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let id = path_id(Path::<String>::from_request_parts(parts, state).await)?;
        let params = query_params(Query::<P>::from_request_parts(parts, state).await)?;
        Ok(ChartRequest {
            state: state.clone(),
            headers: parts.headers.clone(),
            id,
            window: params.window()?,
            params: PhantomData,
        })
    }
}

impl<P> ChartRequest<P> {
    /// The same request with daily points, whatever `interval` said.
    fn every_day(mut self) -> Self {
        self.window.daily = true;
        self
    }

    /// The cached answer of `route`: `answer` computes it on a miss.
    async fn answer<'a, T, Fut>(
        &'a self,
        route: &'static str,
        answer: impl FnOnce(&'a AppState, String, Window) -> Fut,
    ) -> Response
    where
        T: Serialize,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let key = self.window.key(route, &self.id);
        self.state
            .cache
            .respond(&self.headers, &key, || {
                answer(&self.state, self.id.clone(), self.window.clone())
            })
            .await
    }
}

/// The window of a `days` request; daily when `interval` is given.
fn span_window(p: &SpanParams) -> Result<Window, ApiError> {
    let vs = vs_currency(p.vs_currency.as_deref())?;
    let days = Days::Span(span(p.days.as_deref())?);
    daily_interval(p.interval.as_deref())?;
    Ok(Window {
        vs,
        days,
        daily: p.interval.as_deref().is_some_and(|i| !i.trim().is_empty()),
        precision: precision(p.precision.as_deref())?,
    })
}

/// The window of a `/range` request: daily points or candles of the days in [from, to].
fn range_window(p: &RangeParams) -> Result<Window, ApiError> {
    let vs = vs_currency(p.vs_currency.as_deref())?;
    let days = range(p.from.as_deref(), p.to.as_deref())?;
    daily_interval(p.interval.as_deref())?;
    Ok(Window {
        vs,
        days,
        daily: true,
        precision: precision(p.precision.as_deref())?,
    })
}
