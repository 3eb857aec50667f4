//! Query parameters, parsed at the edge: every route (compatibility and `/api/v1`) turns its
//! raw strings into these typed values before it runs, and a bad value is a 400 naming the
//! parameter. The fixed-spelling values (sort keys, directions, intervals) describe themselves
//! in the OpenAPI document from the same spelling lists their parsers read.

use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use chrono::NaiveDate;
use utoipa::openapi::schema::{Schema, SchemaType};
use utoipa::openapi::{ObjectBuilder, RefOr, Type};

use super::ApiError;
use crate::analytics::candles::Interval;
use crate::analytics::dashboard::OrderBy;
use crate::analytics::markets::MarketOrder;
use crate::analytics::SortDirection;
use crate::cache::CacheKey;
use crate::domain::{Currency, RecordDate};

/// Which coins a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoinSelection {
    All,
    /// Symbols or names as given (trimmed, de-duplicated case-insensitively, in order).
    Listed(Vec<String>),
}

/// The most coins an `id`/`ids` list may name (repeats counted): far more than a screen
/// shows, far below SQLite's 32,766 bound values per statement.
pub const MAX_LISTED_COINS: usize = 1000;

impl CoinSelection {
    /// Parses `all` (any case) or a comma-separated list; empty items are ignored.
    pub fn parse(parameter: &str, raw: Option<&str>) -> Result<CoinSelection, ApiError> {
        let raw = raw.map(str::trim).unwrap_or_default();
        if raw.is_empty() {
            return Err(ApiError::BadRequest(format!(
                "The '{parameter}' parameter is required: give 'all' or a comma-separated list of \
                 symbols or names, e.g. {parameter}=btc,eth."
            )));
        }
        if raw.eq_ignore_ascii_case("all") {
            return Ok(CoinSelection::All);
        }
        let items: Vec<&str> = raw
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if items.len() > MAX_LISTED_COINS {
            return Err(ApiError::BadRequest(format!(
                "The '{parameter}' parameter lists {} coins; at most {MAX_LISTED_COINS} are \
                 allowed in one request: use '{parameter}=all', or split the list.",
                items.len()
            )));
        }
        // A set of the lowercased ids: linear, where comparing each with all before was
        // quadratic.
        let mut seen = std::collections::HashSet::with_capacity(items.len());
        let mut listed: Vec<String> = Vec::with_capacity(items.len());
        for item in items {
            if seen.insert(item.to_ascii_lowercase()) {
                listed.push(item.to_owned());
            }
        }
        if listed.is_empty() {
            return Err(ApiError::BadRequest(format!(
                "The '{parameter}' parameter lists no coin: give 'all' or symbols such as btc,eth."
            )));
        }
        Ok(CoinSelection::Listed(listed))
    }

    /// Adds the selection to a cache key as a set (case, order and repeats ignored): for
    /// answers whose rows are sorted, so the order of the list does not show.
    pub fn add_to_key(&self, key: CacheKey, name: &str) -> CacheKey {
        match self {
            CoinSelection::All => key.param(name, "all"),
            CoinSelection::Listed(ids) => key.list(name, ids),
        }
    }

    /// The currencies selected, each once; unknown ids are a 404 naming every one of them.
    /// A symbol match wins; a name (any case) is accepted where no symbol matches.
    pub fn resolve<'a>(&self, currencies: &'a [Currency]) -> Result<Vec<&'a Currency>, ApiError> {
        let CoinSelection::Listed(ids) = self else {
            return Ok(currencies.iter().collect());
        };
        let mut found: Vec<&Currency> = Vec::with_capacity(ids.len());
        let mut unknown: Vec<&str> = Vec::new();
        for id in ids {
            let hit = currencies
                .iter()
                .find(|c| c.symbol.as_str().eq_ignore_ascii_case(id))
                .or_else(|| {
                    currencies
                        .iter()
                        .find(|c| c.name.to_lowercase() == id.to_lowercase())
                });
            match hit {
                Some(c) if !found.iter().any(|f| f.id == c.id) => found.push(c),
                Some(_) => {}
                None => unknown.push(id),
            }
        }
        if !unknown.is_empty() {
            let quoted: Vec<String> = unknown.iter().map(|id| format!("'{id}'")).collect();
            return Err(ApiError::NotFound(format!(
                "No currency matches {}. Use symbols (BTC) or names (Bitcoin); /search?name=... finds one.",
                quoted.join(", ")
            )));
        }
        Ok(found)
    }
}

/// The query string as its `*Params` struct, or a JSON 400 (axum's own rejection would be
/// plain text): e.g. a parameter given twice.
pub(crate) fn query_params<T>(params: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    params.map(|Query(params)| params).map_err(|rejection| {
        ApiError::BadRequest(format!(
            "The query string cannot be read: {}. Give each parameter at most once.",
            rejection.body_text()
        ))
    })
}

/// An optional `YYYY-MM-DD` parameter: absent is `None`; empty or malformed is a 400.
pub(crate) fn optional_date(name: &str, raw: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
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
pub(crate) fn date_range(
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
pub(crate) fn bounded_integer(
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

/// A string schema listing `spellings`.
fn string_enum<'a>(spellings: impl Iterator<Item = &'a str>, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .enum_values(Some(spellings.map(str::to_owned)))
        .description(Some(description))
        .into()
}

/// The OpenAPI schema of a fixed-spelling value: its `SPELLINGS`, which its parser reads too.
macro_rules! spelled_schema {
    ($type:ty, $description:literal) => {
        impl utoipa::PartialSchema for $type {
            fn schema() -> RefOr<Schema> {
                string_enum(<$type>::SPELLINGS.iter().map(|(s, _)| *s), $description)
            }
        }

        impl utoipa::ToSchema for $type {}
    };
}

spelled_schema!(OrderBy, "The sort key, any case.");
spelled_schema!(SortDirection, "The sort direction, any case.");
spelled_schema!(
    Interval,
    "The candle width: a day, an ISO week (Monday start) or a calendar month."
);
spelled_schema!(MarketOrder, "A row field to sort by, any case.");

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::bad_request_message as message;

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
