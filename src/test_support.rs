//! Small builders the unit tests share: a calendar day, a record, a coin.

use chrono::NaiveDate;

use crate::domain::{CoinId, Currency, DailyRecord, Symbol};
use crate::http::ApiError;

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A record whose open, high, low and close are all `close`; volume 1, market cap 10 × close.
pub fn rec(date: &str, close: f64) -> DailyRecord {
    rec_on(day(date), close)
}

/// [`rec`] on a computed day.
pub fn rec_on(date: NaiveDate, close: f64) -> DailyRecord {
    DailyRecord::new(date.into(), close, close, close, close, 1.0, close * 10.0)
        .expect("a test record is valid")
}

/// A record from its values in constructor order: open, high, low, close, volume, market cap.
pub fn record(date: &str, values: [f64; 6]) -> DailyRecord {
    let [open, high, low, close, volume, market_cap] = values;
    DailyRecord::new(day(date).into(), open, high, low, close, volume, market_cap)
        .expect("a test record is valid")
}

pub fn coin(id: i64, name: &str, symbol: &str) -> Currency {
    Currency {
        id,
        name: name.into(),
        symbol: Symbol::parse(symbol).unwrap(),
        coin_id: CoinId::for_name(name, |_| false),
    }
}

/// The message of a 400; panics on anything else.
pub fn bad_request_message(result: Result<impl std::fmt::Debug, ApiError>) -> String {
    match result {
        Err(ApiError::BadRequest(m)) => m,
        other => panic!("expected a 400, got {other:?}"),
    }
}
