//! `GET /api/v1/stats?ids=&from=&to=`: per coin total return, annualized volatility,
//! maximum drawdown, best and worst day; and the correlation matrix of daily log returns.
//! The exact conventions (gaps included) are in `analytics::stats`. Two queries.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::analytics::stats::{coin_stats, correlation, daily_returns, CoinStats, DailyReturn};
use crate::cache::CacheKey;
use crate::domain::DailyRecord;
use crate::http::error::ErrorBody;
use crate::http::params::{date_range, query_params, CoinSelection};
use crate::http::{ApiError, AppState};

/// The most coins one request may compare (the matrix grows with the square).
pub const MAX_STATS_COINS: usize = 50;

/// The query string of `/api/v1/stats`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// Required: `all` or a comma-separated list of symbols or names, any case (at most 50
    /// coins). An id matching no coin: 404.
    #[param(required = true, value_type = String, pattern = r"[^\s,]", example = "btc,eth")]
    pub ids: Option<String>,
    /// First day, `YYYY-MM-DD`; default: the earliest record. After `to`: 400.
    #[param(value_type = Option<NaiveDate>, example = "2020-01-01")]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`; default: the latest record.
    #[param(value_type = Option<NaiveDate>, example = "2020-12-31")]
    pub to: Option<String>,
}

/// Pearson correlations of daily log returns over the days every coin has one.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CorrelationMatrix {
    /// Row and column order.
    pub symbols: Vec<String>,
    /// The number of shared days the correlations are measured on.
    pub days: usize,
    /// `matrix[i][j]` correlates `symbols[i]` with `symbols[j]`; null when undefined.
    pub matrix: Vec<Vec<Option<f64>>>,
}

/// `GET /api/v1/stats`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StatsReport {
    /// The requested range, open bounds replaced by the first/last record found.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// In the order requested.
    pub coins: Vec<CoinStats>,
    pub correlation: CorrelationMatrix,
}

#[derive(Debug, Clone, PartialEq)]
struct StatsQuery {
    coins: CoinSelection,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

impl StatsQuery {
    fn parse(params: &StatsParams) -> Result<StatsQuery, ApiError> {
        let coins = CoinSelection::parse("ids", params.ids.as_deref())?;
        if let CoinSelection::Listed(listed) = &coins {
            too_many(listed.len())?;
        }
        let (from, to) = date_range(params.from.as_deref(), params.to.as_deref())?;
        Ok(StatsQuery { coins, from, to })
    }
}

fn too_many(count: usize) -> Result<(), ApiError> {
    if count > MAX_STATS_COINS {
        return Err(ApiError::BadRequest(format!(
            "The 'ids' parameter selects {count} coins; at most {MAX_STATS_COINS} can be compared \
             at once: list fewer."
        )));
    }
    Ok(())
}

// Through the read cache. The answer lists coins in the order asked for, so the key keeps
// that order (case aside).
#[utoipa::path(
    get,
    path = "/api/v1/stats",
    tag = "v1",
    operation_id = "stats",
    summary = "Returns, volatility, drawdown and correlations over a range",
    description = "Per coin, over `from`..`to`: the total return from the first close to the \
        last, the annualized volatility (sample standard deviation of the daily log returns, \
        times sqrt(365)), the maximum drawdown with its peak and trough, and the best and worst \
        day; then the Pearson correlations of the daily log returns, over the days on which \
        every coin has one. A daily return needs records on two consecutive calendar days: \
        there is none across a gap in the data. Returns, volatility and drawdown are in percent.",
    params(StatsParams),
    responses(
        (status = 200, description = "The statistics, coins in the order requested.",
            body = StatsReport),
        (status = 400, description = "`ids` is missing or selects more than 50 coins, a date \
            is malformed, or `from` is after `to`; the message names the parameter.",
            body = ErrorBody),
        (status = 404, description = "An id matches no coin, or no selected coin has a record \
            in the range.", body = ErrorBody),
        (status = 500, description = "The database cannot be read.", body = ErrorBody),
    )
)]
pub async fn stats(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<StatsParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = StatsQuery::parse(&query_params(params)?)?;
    let ids = match &query.coins {
        CoinSelection::All => "all".to_owned(),
        CoinSelection::Listed(ids) => ids.join(",").to_lowercase(),
    };
    let key = CacheKey::new("v1/stats")
        .param("ids", ids)
        .param("from", format!("{:?}", query.from))
        .param("to", format!("{:?}", query.to));
    Ok(state
        .cache
        .respond(&headers, &key, || report(&state, query))
        .await)
}

async fn report(state: &AppState, query: StatsQuery) -> Result<StatsReport, ApiError> {
    let currencies = state.store.currencies().await?;
    let selected = query.coins.resolve(&currencies)?;
    too_many(selected.len())?;
    let ids: Vec<i64> = selected.iter().map(|c| c.id).collect();
    let mut by_coin: HashMap<i64, Vec<DailyRecord>> = HashMap::new();
    for (id, record) in state
        .store
        .records_between(&ids, query.from, query.to)
        .await?
    {
        by_coin.entry(id).or_default().push(record);
    }
    // The span of the records found: the answer's range where a bound was left open.
    let found = by_coin
        .values()
        .filter_map(|r| r.first().zip(r.last()))
        .map(|(a, b)| (a.date(), b.date()))
        .reduce(|(a1, b1), (a2, b2)| (a1.min(a2), b1.max(b2)));
    let Some((first_found, last_found)) = found else {
        let covered = match state.store.date_range().await? {
            Some((a, b)) => format!("The data covers {a} to {b}."),
            None => "The database holds no prices yet.".into(),
        };
        return Err(ApiError::NotFound(format!(
            "No requested coin has a record in the requested range. {covered}"
        )));
    };
    let (first, last) = (
        query.from.unwrap_or(first_found),
        query.to.unwrap_or(last_found),
    );

    let empty = Vec::new();
    let records: Vec<&Vec<DailyRecord>> = selected
        .iter()
        .map(|c| by_coin.get(&c.id).unwrap_or(&empty))
        .collect();
    let returns: Vec<Vec<DailyReturn>> = records.iter().map(|r| daily_returns(r)).collect();
    let coins: Vec<CoinStats> = selected
        .iter()
        .zip(records.iter().zip(&returns))
        .map(|(currency, (records, returns))| coin_stats(currency, records, returns))
        .collect();
    let series: Vec<&[DailyReturn]> = returns.iter().map(Vec::as_slice).collect();
    let matrix = correlation(&series);
    Ok(StatsReport {
        from: first,
        to: last,
        coins,
        correlation: CorrelationMatrix {
            symbols: selected.iter().map(|c| c.symbol.to_string()).collect(),
            days: matrix.days.len(),
            matrix: matrix.matrix,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(ids: Option<&str>, from: Option<&str>, to: Option<&str>) -> String {
        let params = StatsParams {
            ids: ids.map(str::to_owned),
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
        };
        crate::test_support::bad_request_message(StatsQuery::parse(&params))
    }

    #[test]
    fn every_bad_parameter_is_named() {
        assert!(bad(None, None, None).contains("'ids'"));
        let many: Vec<String> = (0..51).map(|i| format!("C{i}")).collect();
        assert!(bad(Some(&many.join(",")), None, None).contains("at most 50"));
        assert!(bad(Some("btc"), Some("2020-02-30"), None).contains("'from'"));
        assert!(bad(Some("btc"), Some("2021-01-02"), Some("2021-01-01")).contains("'to'"));
    }
}
