//! `/api/v1`: the read routes a user of a price API expects, and the analytics on top.
//! One module per resource. Each handler takes its query string as an explicit `*Params`
//! struct of raw strings, parses it into typed values first (a 400 naming the parameter),
//! then asks the store a fixed number of queries (never one per coin) and hands the records
//! to `analytics`. Answers are plain `Serialize` structs, one per response shape.

pub mod coins;
pub mod markets;
pub mod search;
pub mod stats;

use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use chrono::NaiveDate;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::{Currency, RecordDate};

/// Every `/api/v1` route, each with its OpenAPI operation (path and method come from the
/// handler's `#[utoipa::path]`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(coins::list_coins))
        .routes(routes!(coins::get_coin))
        .routes(routes!(coins::coin_history))
        .routes(routes!(markets::markets))
        .routes(routes!(search::search))
        .routes(routes!(stats::stats))
}

/// The query string as its `*Params` struct, or a JSON 400 (axum's own rejection would be
/// plain text): e.g. a parameter given twice.
fn query_params<T>(params: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    params.map(|Query(params)| params).map_err(|rejection| {
        ApiError::BadRequest(format!(
            "The query string cannot be read: {}. Give each parameter at most once.",
            rejection.body_text()
        ))
    })
}

/// An optional `YYYY-MM-DD` parameter: absent is `None`; empty or malformed is a 400.
fn optional_date(name: &str, raw: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    let Some(raw) = raw.map(str::trim) else {
        return Ok(None);
    };
    if raw.is_empty() {
        return Err(ApiError::BadRequest(format!(
            "The '{name}' parameter is empty: give a date as YYYY-MM-DD, or leave it out."
        )));
    }
    RecordDate::parse_unpadded(raw)
        .map(|date| Some(date.get()))
        .map_err(|reason| {
            ApiError::BadRequest(format!("The '{name}' parameter is invalid: {reason}."))
        })
}

/// `from` and `to`, each optional, with `from <= to` when both are given.
fn date_range(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Option<NaiveDate>, Option<NaiveDate>), ApiError> {
    let (from, to) = (optional_date("from", from)?, optional_date("to", to)?);
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(ApiError::BadRequest(format!(
                "The 'from' parameter ({f}) is after 'to' ({t}): give from <= to."
            )));
        }
    }
    Ok((from, to))
}

/// An optional whole-number parameter within `min..=max`, `default` when absent.
fn bounded_integer(
    name: &str,
    raw: Option<&str>,
    default: u32,
    min: u32,
    max: u32,
) -> Result<u32, ApiError> {
    let Some(raw) = raw.map(str::trim) else {
        return Ok(default);
    };
    let out_of_range = || {
        ApiError::BadRequest(format!(
            "The '{name}' parameter is '{raw}': give a whole number from {min} to {max} \
             (default {default})."
        ))
    };
    let value: u32 = raw.parse().map_err(|_| out_of_range())?;
    if !(min..=max).contains(&value) {
        return Err(out_of_range());
    }
    Ok(value)
}

/// The coin with `symbol` (any case), or a 404 saying where to find one.
fn coin_by_symbol<'a>(currencies: &'a [Currency], symbol: &str) -> Result<&'a Currency, ApiError> {
    let symbol = symbol.trim();
    currencies
        .iter()
        .find(|c| c.symbol.as_str().eq_ignore_ascii_case(symbol))
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "No coin has the symbol '{symbol}'. GET /api/v1/coins lists every coin; \
                 /api/v1/search?q=... finds one by name."
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: Result<impl std::fmt::Debug, ApiError>) -> String {
        match result {
            Err(ApiError::BadRequest(m)) => m,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn dates_and_ranges() {
        assert_eq!(optional_date("from", None).unwrap(), None);
        assert!(message(optional_date("from", Some(" "))).contains("'from'"));
        assert!(message(optional_date("to", Some("2021-02-30"))).contains("'to'"));
        let (f, t) = date_range(Some("2021-1-1"), Some("2021-01-01")).unwrap();
        assert_eq!(f, t);
        let m = message(date_range(Some("2021-01-02"), Some("2021-01-01")));
        assert!(m.contains("'from'") && m.contains("'to'"), "{m}");
    }

    #[test]
    fn integers_are_bounded() {
        assert_eq!(bounded_integer("limit", None, 10, 1, 50).unwrap(), 10);
        assert_eq!(
            bounded_integer("limit", Some(" 50 "), 10, 1, 50).unwrap(),
            50
        );
        for bad in ["0", "51", "-1", "ten", "", "1.5"] {
            let m = message(bounded_integer("limit", Some(bad), 10, 1, 50));
            assert!(m.contains("'limit'") && m.contains("1 to 50"), "{m}");
        }
    }
}
