//! The `/dashboard` table: one row per coin with a record on the requested day, its price,
//! volume, market cap and percent changes over 1, 7 and 30 days, sorted as asked.

use std::cmp::Ordering;
use std::str::FromStr;

use chrono::NaiveDate;

use super::market_day::MarketDay;
use super::order::{compare_nulls_last, compare_text, SortDirection};
use super::percent::change_over;
use crate::domain::{Currency, DailyRecord};

/// The changes the dashboard reports, in days back from the requested day.
pub const LOOKBACK_DAYS: [u64; 3] = [1, 7, 30];

/// One line of the dashboard: a coin's close, changes, volume and market cap on the day.
/// (`http::dashboard` gives it the field names the original frontend reads.)
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardLine {
    /// The coin's name.
    pub crypto: String,
    /// The coin's symbol, upper-case.
    pub symbol: String,
    /// That day's close.
    pub price: f64,
    pub change_24h: Option<f64>,
    pub change_7d: Option<f64>,
    pub change_1m: Option<f64>,
    pub volume_24h: f64,
    pub market_cap: f64,
}

/// A coin with its records around the requested day, sorted by date ascending.
pub struct CoinHistory<'a> {
    pub currency: &'a Currency,
    pub records: &'a [DailyRecord],
}

/// Builds the rows for `day`: coins without a record dated exactly `day` are left out.
pub fn dashboard_rows(day: NaiveDate, coins: &[CoinHistory<'_>]) -> Vec<DashboardLine> {
    coins
        .iter()
        .filter_map(|coin| {
            let index = coin.records.binary_search_by_key(&day, |r| r.date()).ok()?;
            let today = &coin.records[index];
            let changes = LOOKBACK_DAYS.map(|back| change_over(coin.records, today, back));
            Some(dashboard_line(coin.currency, today, changes))
        })
        .collect()
}

/// The rows of coins each with its [`MarketDay`] of the requested day: the same as
/// [`dashboard_rows`] over their records, from the reference closes kept for that day.
pub fn dashboard_rows_of_days(coins: &[(&Currency, &MarketDay)]) -> Vec<DashboardLine> {
    coins
        .iter()
        .map(|(currency, day)| {
            let changes = LOOKBACK_DAYS.map(|back| day.change_over(back));
            dashboard_line(currency, &day.record, changes)
        })
        .collect()
}

/// One line from the day's record and its changes over [`LOOKBACK_DAYS`]: what both ways of
/// building the lines (from records, from kept days) end with.
fn dashboard_line(
    currency: &Currency,
    today: &DailyRecord,
    [change_24h, change_7d, change_1m]: [Option<f64>; LOOKBACK_DAYS.len()],
) -> DashboardLine {
    DashboardLine {
        crypto: currency.name.clone(),
        symbol: currency.symbol.to_string(),
        price: today.close(),
        change_24h,
        change_7d,
        change_1m,
        volume_24h: today.volume(),
        market_cap: today.market_cap(),
    }
}

/// What the dashboard can be sorted by (`order_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderBy {
    Crypto,
    Symbol,
    Price,
    Change24h,
    Change7d,
    Change1m,
    Volume24h,
    MarketCap,
}

impl OrderBy {
    /// Every accepted spelling (any case): the parser and the OpenAPI enum read this list.
    pub const SPELLINGS: &'static [(&'static str, OrderBy)] = &[
        ("crypto", OrderBy::Crypto),
        ("symbol", OrderBy::Symbol),
        ("price", OrderBy::Price),
        ("24h", OrderBy::Change24h),
        ("7d", OrderBy::Change7d),
        ("1m", OrderBy::Change1m),
        ("24h-volume", OrderBy::Volume24h),
        ("24h_volume", OrderBy::Volume24h),
        ("market-cap", OrderBy::MarketCap),
        ("market_cap", OrderBy::MarketCap),
    ];

    /// Every accepted spelling, for error messages.
    pub const ACCEPTED: &'static str =
        "crypto, symbol, price, 24h, 7d, 1m, 24h-volume (or 24h_volume), market-cap (or market_cap)";
}

impl FromStr for OrderBy {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let raw = raw.trim();
        OrderBy::SPELLINGS
            .iter()
            .find(|(spelling, _)| spelling.eq_ignore_ascii_case(raw))
            .map(|(_, order)| *order)
            .ok_or_else(|| {
                format!(
                    "order_by '{raw}' is not supported; use one of {}",
                    OrderBy::ACCEPTED
                )
            })
    }
}

/// Sorts rows by `order_by` in `direction`; nulls last in both directions, ties by name
/// (case-insensitive, ascending) so the order is stable across requests.
pub fn sort_rows(rows: &mut [DashboardLine], order_by: OrderBy, direction: SortDirection) {
    let directed = |ordering: Ordering| direction.apply(ordering);
    rows.sort_by(|a, b| {
        let primary = match order_by {
            OrderBy::Crypto => directed(compare_text(&a.crypto, &b.crypto)),
            OrderBy::Symbol => directed(compare_text(&a.symbol, &b.symbol)),
            OrderBy::Price => compare_nulls_last(Some(a.price), Some(b.price), direction),
            OrderBy::Change24h => compare_nulls_last(a.change_24h, b.change_24h, direction),
            OrderBy::Change7d => compare_nulls_last(a.change_7d, b.change_7d, direction),
            OrderBy::Change1m => compare_nulls_last(a.change_1m, b.change_1m, direction),
            OrderBy::Volume24h => {
                compare_nulls_last(Some(a.volume_24h), Some(b.volume_24h), direction)
            }
            OrderBy::MarketCap => {
                compare_nulls_last(Some(a.market_cap), Some(b.market_cap), direction)
            }
        };
        primary
            .then_with(|| compare_text(&a.crypto, &b.crypto))
            .then_with(|| a.crypto.cmp(&b.crypto))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{coin, day, rec, rec_on};

    fn daily(from: &str, closes: &[f64]) -> Vec<DailyRecord> {
        let start = day(from);
        closes
            .iter()
            .enumerate()
            .map(|(i, &c)| rec_on(start + chrono::Days::new(i as u64), c))
            .collect()
    }

    #[test]
    fn changes_over_1_7_and_30_days() {
        let btc = coin(1, "Bitcoin", "BTC");
        // 31 days: day 0 close 100, then 101, 102, ... day 30 close 130.
        let closes: Vec<f64> = (0..=30).map(|i| 100.0 + i as f64).collect();
        let records = daily("2021-06-06", &closes);
        let rows = dashboard_rows(
            day("2021-07-06"),
            &[CoinHistory {
                currency: &btc,
                records: &records,
            }],
        );
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.price, 130.0);
        assert_eq!(row.change_24h, percent_change_of(130.0, 129.0));
        assert_eq!(row.change_7d, percent_change_of(130.0, 123.0));
        assert_eq!(row.change_1m, percent_change_of(130.0, 100.0));
        assert_eq!(row.volume_24h, 1.0);
        assert_eq!(row.market_cap, 1300.0);
    }

    fn percent_change_of(now: f64, then: f64) -> Option<f64> {
        Some((now - then) / then * 100.0)
    }

    #[test]
    fn a_coin_younger_than_30_days_has_no_1m_change() {
        let young = coin(1, "Young", "YNG");
        let records = daily("2021-06-26", &[1.0; 11]); // listed 10 days before 2021-07-06
        let rows = dashboard_rows(
            day("2021-07-06"),
            &[CoinHistory {
                currency: &young,
                records: &records,
            }],
        );
        assert_eq!(rows[0].change_24h, Some(0.0));
        assert_eq!(rows[0].change_7d, Some(0.0));
        assert_eq!(rows[0].change_1m, None);
    }

    #[test]
    fn a_gap_is_bridged_by_the_latest_earlier_record() {
        // Monero misses 2014-06-05: the 24h change on 06-06 compares with 06-04.
        let xmr = coin(1, "Monero", "XMR");
        let records = vec![rec("2014-06-04", 2.0), rec("2014-06-06", 3.0)];
        let rows = dashboard_rows(
            day("2014-06-06"),
            &[CoinHistory {
                currency: &xmr,
                records: &records,
            }],
        );
        assert_eq!(rows[0].change_24h, Some(50.0));
        // Tether misses 2015-02-27..03-01: on 03-02, 24h refers to 03-01 -> 02-26 (3 days older).
        let usdt = coin(2, "Tether", "USDT");
        let records = vec![rec("2015-02-26", 1.0), rec("2015-03-02", 1.1)];
        let rows = dashboard_rows(
            day("2015-03-02"),
            &[CoinHistory {
                currency: &usdt,
                records: &records,
            }],
        );
        assert!((rows[0].change_24h.unwrap() - 10.0).abs() < 1e-9);
        // ... but a 4-day-old reference is too old.
        let records = vec![rec("2015-02-25", 1.0), rec("2015-03-02", 1.1)];
        let rows = dashboard_rows(
            day("2015-03-02"),
            &[CoinHistory {
                currency: &usdt,
                records: &records,
            }],
        );
        assert_eq!(rows[0].change_24h, None);
    }

    #[test]
    fn a_zero_reference_gives_null_and_a_missing_day_drops_the_coin() {
        let a = coin(1, "A", "A");
        let b = coin(2, "B", "B");
        let ra = vec![rec("2021-07-05", 0.0), rec("2021-07-06", 5.0)];
        let rb = vec![rec("2021-07-05", 1.0)];
        let rows = dashboard_rows(
            day("2021-07-06"),
            &[
                CoinHistory {
                    currency: &a,
                    records: &ra,
                },
                CoinHistory {
                    currency: &b,
                    records: &rb,
                },
            ],
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].change_24h, None);
    }

    fn row(name: &str, symbol: &str, price: f64, change: Option<f64>) -> DashboardLine {
        DashboardLine {
            crypto: name.into(),
            symbol: symbol.into(),
            price,
            change_24h: change,
            change_7d: change,
            change_1m: change,
            volume_24h: price * 2.0,
            market_cap: price * 3.0,
        }
    }

    fn names(rows: &[DashboardLine]) -> Vec<&str> {
        rows.iter().map(|r| r.crypto.as_str()).collect()
    }

    fn sample() -> Vec<DashboardLine> {
        vec![
            row("bravo", "ZZ", 2.0, Some(-1.0)),
            row("Alpha", "yy", 3.0, None),
            row("Charlie", "XX", 1.0, Some(5.0)),
            row("delta", "ww", 2.0, Some(5.0)),
        ]
    }

    #[test]
    fn every_numeric_key_sorts_both_ways_with_nulls_last_and_ties_by_name() {
        let changes = [OrderBy::Change24h, OrderBy::Change7d, OrderBy::Change1m];
        let figures = [OrderBy::Price, OrderBy::Volume24h, OrderBy::MarketCap];
        let expected = [
            (
                changes,
                ["Charlie", "delta", "bravo", "Alpha"],
                ["bravo", "Charlie", "delta", "Alpha"],
            ),
            (
                figures,
                ["Alpha", "bravo", "delta", "Charlie"],
                ["Charlie", "bravo", "delta", "Alpha"],
            ),
        ];
        for (keys, desc, asc) in expected {
            for key in keys {
                let mut rows = sample();
                sort_rows(&mut rows, key, SortDirection::Desc);
                assert_eq!(names(&rows), desc, "{key:?} desc");
                sort_rows(&mut rows, key, SortDirection::Asc);
                assert_eq!(names(&rows), asc, "{key:?} asc");
            }
        }
    }

    #[test]
    fn names_and_symbols_sort_case_insensitively() {
        let mut rows = sample();
        sort_rows(&mut rows, OrderBy::Crypto, SortDirection::Asc);
        assert_eq!(names(&rows), ["Alpha", "bravo", "Charlie", "delta"]);
        sort_rows(&mut rows, OrderBy::Crypto, SortDirection::Desc);
        assert_eq!(names(&rows), ["delta", "Charlie", "bravo", "Alpha"]);
        sort_rows(&mut rows, OrderBy::Symbol, SortDirection::Asc);
        assert_eq!(names(&rows), ["delta", "Charlie", "Alpha", "bravo"]);
        sort_rows(&mut rows, OrderBy::Symbol, SortDirection::Desc);
        assert_eq!(names(&rows), ["bravo", "Alpha", "Charlie", "delta"]);
    }

    #[test]
    fn order_by_and_direction_parse_aliases_in_any_case() {
        assert_eq!("MARKET_CAP".parse(), Ok(OrderBy::MarketCap));
        assert_eq!("market-cap".parse(), Ok(OrderBy::MarketCap));
        assert_eq!("24H_Volume".parse(), Ok(OrderBy::Volume24h));
        assert_eq!("1M".parse(), Ok(OrderBy::Change1m));
        assert!("volume"
            .parse::<OrderBy>()
            .unwrap_err()
            .contains("order_by"));
        assert_eq!("ASC".parse(), Ok(SortDirection::Asc));
        assert!("up".parse::<SortDirection>().is_err());
    }
}
