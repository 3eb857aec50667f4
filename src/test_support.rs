//! Small builders the unit tests share: a calendar day, a record, a coin.

use chrono::NaiveDate;

use crate::domain::{CoinId, Currency, DailyRecord, Symbol};

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A record whose open, high, low and close are all `close`; volume 1, market cap 10 × close.
pub fn rec(date: &str, close: f64) -> DailyRecord {
    DailyRecord {
        date: day(date),
        open: close,
        high: close,
        low: close,
        close,
        volume: 1.0,
        market_cap: close * 10.0,
    }
}

pub fn coin(id: i64, name: &str, symbol: &str) -> Currency {
    Currency {
        id,
        name: name.into(),
        symbol: Symbol::parse(symbol).unwrap(),
        coin_id: CoinId::for_name(name, |_| false),
    }
}
