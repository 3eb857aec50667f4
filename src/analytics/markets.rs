//! The `/api/v1/markets` table: the dashboard, richer. One row per coin with a record on the
//! day: its rank by market cap, prices, percent changes over 1, 7, 30, 90 and 365 days (the
//! as-of rule of [`super::percent`]), its all-time high up to that day and the drawdown
//! from it; sorted by any numeric field or the name, nulls last.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::coins::PricePoint;
use super::market_day::MarketDay;
use super::order::{compare_nulls_last, compare_text, SortDirection};
use super::percent::{change_over, percent_change};
use crate::domain::{Currency, DailyRecord};

/// The changes the table reports, in days back from the day. With the 3-day as-of rule the
/// 365-day change needs only the records of days d-365..d-368 (see `reference_window`).
pub const MARKET_LOOKBACK_DAYS: [u64; 5] = [1, 7, 30, 90, 365];

/// One coin on one day: also a row of `/api/v1/markets`, field for field. (De)serializable:
/// the rows of a day are cached, in Redis too. Its names are the table's own (no wire
/// renames), so one type serves the analytics, the cache and the answer; the schema keeps
/// the name the API has always published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = MarketEntry, description = "One coin's row.")]
pub struct MarketRow {
    /// By market cap that day among coins with a market cap > 0; null when it is 0.
    pub rank: Option<u32>,
    pub symbol: String,
    pub name: String,
    /// The day's close.
    pub price: f64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub volume: f64,
    pub market_cap: f64,
    /// Percent change of the close over 1, 7, 30, 90 and 365 days (as-of rule of /dashboard).
    pub change_1d: Option<f64>,
    pub change_7d: Option<f64>,
    pub change_30d: Option<f64>,
    pub change_90d: Option<f64>,
    pub change_365d: Option<f64>,
    /// The highest daily high up to and including the day, and the earliest day it was reached.
    pub ath: f64,
    pub ath_date: NaiveDate,
    /// `(price - ath) / ath * 100`: 0 at the high, negative below it; null when ath is 0.
    pub drawdown: Option<f64>,
}

/// A coin, its records on the reference window around the day (sorted by date), and its
/// all-time high up to the day as the store found it.
pub struct MarketInput<'a> {
    pub currency: &'a Currency,
    pub records: &'a [DailyRecord],
    pub ath: Option<PricePoint>,
}

/// Builds the rows for `day` (coins without a record dated exactly `day` are left out),
/// each ranked by `ranks` (from [`market_cap_ranks`] over every coin of the day, so a
/// coin's rank does not depend on which coins a client asked for).
pub fn market_rows(
    day: NaiveDate,
    coins: &[MarketInput<'_>],
    ranks: &HashMap<i64, u32>,
) -> Vec<MarketRow> {
    coins
        .iter()
        .filter_map(|coin| {
            let index = coin.records.binary_search_by_key(&day, |r| r.date()).ok()?;
            let today = &coin.records[index];
            let [d1, d7, d30, d90, d365] =
                MARKET_LOOKBACK_DAYS.map(|back| change_over(coin.records, today, back));
            // The store's high includes `day`; the record is the fallback should it not.
            let ath = match coin.ath {
                Some(ath) if ath.price >= today.high() => ath,
                _ => PricePoint {
                    price: today.high(),
                    date: today.date(),
                },
            };
            Some(market_row(
                ranks.get(&coin.currency.id).copied(),
                coin.currency,
                today,
                [d1, d7, d30, d90, d365],
                ath,
            ))
        })
        .collect()
}

/// The rows of coins each with its [`MarketDay`] of the day, ranked by `ranks`: the same as
/// [`market_rows`] over their records and all-time highs, from what is kept for that day.
pub fn market_rows_of_days(
    coins: &[(&Currency, &MarketDay)],
    ranks: &HashMap<i64, u32>,
) -> Vec<MarketRow> {
    coins
        .iter()
        .map(|(currency, day)| {
            let today = &day.record;
            let changes = MARKET_LOOKBACK_DAYS.map(|back| day.change_over(back));
            market_row(
                ranks.get(&currency.id).copied(),
                currency,
                today,
                changes,
                day.ath,
            )
        })
        .collect()
}

/// One row from the day's record, its changes over [`MARKET_LOOKBACK_DAYS`] and its all-time
/// high: what both ways of building the rows (from records, from kept days) end with.
fn market_row(
    rank: Option<u32>,
    currency: &Currency,
    today: &DailyRecord,
    changes: [Option<f64>; MARKET_LOOKBACK_DAYS.len()],
    ath: PricePoint,
) -> MarketRow {
    let [change_1d, change_7d, change_30d, change_90d, change_365d] = changes;
    MarketRow {
        rank,
        symbol: currency.symbol.to_string(),
        name: currency.name.clone(),
        price: today.close(),
        open: today.open(),
        high: today.high(),
        low: today.low(),
        volume: today.volume(),
        market_cap: today.market_cap(),
        change_1d,
        change_7d,
        change_30d,
        change_90d,
        change_365d,
        ath: ath.price,
        ath_date: ath.date,
        drawdown: percent_change(today.close(), ath.price),
    }
}

/// Ranks coins by their market cap on a day, largest first, among those with a market cap
/// > 0 (0 is the source's "unknown"); ties by name, then symbol. Keyed by currency id.
pub fn market_cap_ranks(caps: &[(&Currency, f64)]) -> HashMap<i64, u32> {
    let mut ranked: Vec<&(&Currency, f64)> = caps.iter().filter(|(_, cap)| *cap > 0.0).collect();
    ranked.sort_by(|(a, cap_a), (b, cap_b)| {
        cap_b.total_cmp(cap_a).then_with(|| {
            compare_text(&a.name, &b.name)
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| a.symbol.cmp(&b.symbol))
        })
    });
    ranked
        .into_iter()
        .enumerate()
        .filter_map(|(position, (currency, _))| {
            u32::try_from(position + 1)
                .ok()
                .map(|rank| (currency.id, rank))
        })
        .collect()
}

/// What the table can be sorted by (`order_by`): every numeric field, the name and symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarketOrder {
    Rank,
    Name,
    Symbol,
    Price,
    Open,
    High,
    Low,
    Volume,
    MarketCap,
    Change1d,
    Change7d,
    Change30d,
    Change90d,
    Change365d,
    Ath,
    Drawdown,
}

impl MarketOrder {
    /// Every accepted spelling (any case): the parser and the OpenAPI enum read this list.
    pub const SPELLINGS: &'static [(&'static str, MarketOrder)] = &[
        ("rank", MarketOrder::Rank),
        ("name", MarketOrder::Name),
        ("symbol", MarketOrder::Symbol),
        ("price", MarketOrder::Price),
        ("open", MarketOrder::Open),
        ("high", MarketOrder::High),
        ("low", MarketOrder::Low),
        ("volume", MarketOrder::Volume),
        ("market_cap", MarketOrder::MarketCap),
        ("change_1d", MarketOrder::Change1d),
        ("change_7d", MarketOrder::Change7d),
        ("change_30d", MarketOrder::Change30d),
        ("change_90d", MarketOrder::Change90d),
        ("change_365d", MarketOrder::Change365d),
        ("ath", MarketOrder::Ath),
        ("drawdown", MarketOrder::Drawdown),
    ];

    /// Every field name accepted, for error messages.
    pub const ACCEPTED: &'static str = "rank, name, symbol, price, open, high, low, volume, \
         market_cap, change_1d, change_7d, change_30d, change_90d, change_365d, ath, drawdown";

    /// The key of `row` for this order: text or a number that may be missing.
    fn key(self, row: &MarketRow) -> Key<'_> {
        let number = |value: f64| Key::Number(Some(value));
        match self {
            MarketOrder::Rank => Key::Number(row.rank.map(f64::from)),
            MarketOrder::Name => Key::Text(&row.name),
            MarketOrder::Symbol => Key::Text(&row.symbol),
            MarketOrder::Price => number(row.price),
            MarketOrder::Open => number(row.open),
            MarketOrder::High => number(row.high),
            MarketOrder::Low => number(row.low),
            MarketOrder::Volume => number(row.volume),
            MarketOrder::MarketCap => number(row.market_cap),
            MarketOrder::Change1d => Key::Number(row.change_1d),
            MarketOrder::Change7d => Key::Number(row.change_7d),
            MarketOrder::Change30d => Key::Number(row.change_30d),
            MarketOrder::Change90d => Key::Number(row.change_90d),
            MarketOrder::Change365d => Key::Number(row.change_365d),
            MarketOrder::Ath => number(row.ath),
            MarketOrder::Drawdown => Key::Number(row.drawdown),
        }
    }
}

impl FromStr for MarketOrder {
    type Err = String;

    /// The JSON field names of a row, any case.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let raw = raw.trim();
        MarketOrder::SPELLINGS
            .iter()
            .find(|(spelling, _)| spelling.eq_ignore_ascii_case(raw))
            .map(|(_, order)| *order)
            .ok_or_else(|| {
                format!(
                    "'{raw}' is not a field to order by; use one of {}",
                    MarketOrder::ACCEPTED
                )
            })
    }
}

enum Key<'a> {
    Text(&'a str),
    Number(Option<f64>),
}

fn by_name(a: &MarketRow, b: &MarketRow) -> Ordering {
    compare_text(&a.name, &b.name)
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| a.symbol.cmp(&b.symbol))
}

/// Sorts by `order` in `direction`: text case-insensitively, numbers with missing values last
/// in both directions; ties by name (ascending), so pages are stable across requests.
/// Sorts rows or references to them (a page is cut from a shared table without copying it).
pub fn sort_market_rows<R: Borrow<MarketRow>>(
    rows: &mut [R],
    order: MarketOrder,
    direction: SortDirection,
) {
    rows.sort_by(|a, b| {
        let (a, b) = (a.borrow(), b.borrow());
        let primary = match (order.key(a), order.key(b)) {
            (Key::Number(x), Key::Number(y)) => compare_nulls_last(x, y, direction),
            (Key::Text(x), Key::Text(y)) => direction.apply(compare_text(x, y)),
            // One order gives one kind of key for every row.
            _ => Ordering::Equal,
        };
        primary.then_with(|| by_name(a, b))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{coin, day, rec};

    fn with_cap(r: DailyRecord, market_cap: f64) -> DailyRecord {
        let d = r.date().into();
        DailyRecord::new(
            d,
            r.open(),
            r.high(),
            r.low(),
            r.close(),
            r.volume(),
            market_cap,
        )
        .unwrap()
    }

    #[test]
    fn changes_over_every_lookback_with_the_as_of_rule() {
        let btc = coin(1, "Bitcoin", "BTC");
        // References: d-1 exact, d-7 bridged by d-10 (3 days older), d-30 exact, d-90 too
        // old (the latest earlier record is 4 days older), d-365 at d-368 (3 days older).
        let records = vec![
            rec("2020-07-03", 40.0),  // d-368: the 365-day reference
            rec("2021-04-03", 99.0),  // d-94: too old for d-90
            rec("2021-06-06", 80.0),  // d-30
            rec("2021-06-26", 50.0),  // d-10: bridges d-7 (3 days older)
            rec("2021-07-05", 100.0), // d-1
            rec("2021-07-06", 120.0), // d
        ];
        let rows = market_rows(
            day("2021-07-06"),
            &[MarketInput {
                currency: &btc,
                records: &records,
                ath: Some(PricePoint {
                    price: 150.0,
                    date: day("2021-04-14"),
                }),
            }],
            &HashMap::from([(1, 1)]),
        );
        assert_eq!(rows[0].rank, Some(1));
        let row = &rows[0];
        assert_eq!(row.price, 120.0);
        assert_eq!(row.change_1d, Some(20.0));
        assert!((row.change_7d.unwrap() - 140.0).abs() < 1e-9);
        assert_eq!(row.change_30d, Some(50.0));
        assert_eq!(row.change_90d, None);
        assert_eq!(row.change_365d, Some(200.0));
        assert_eq!(row.ath_date, day("2021-04-14"));
        assert!((row.drawdown.unwrap() + 20.0).abs() < 1e-9);
    }

    #[test]
    fn a_new_high_today_is_a_zero_drawdown_and_a_zero_high_has_none() {
        let a = coin(1, "A", "A");
        let b = coin(2, "B", "B");
        let ra = vec![rec("2021-07-06", 10.0)];
        let rb = vec![rec("2021-07-06", 0.0)];
        let rows = market_rows(
            day("2021-07-06"),
            &[
                MarketInput {
                    currency: &a,
                    records: &ra,
                    ath: Some(PricePoint {
                        price: 10.0,
                        date: day("2021-07-06"),
                    }),
                },
                MarketInput {
                    currency: &b,
                    records: &rb,
                    ath: None,
                },
            ],
            &HashMap::new(),
        );
        assert_eq!(rows[0].rank, None);
        assert_eq!(rows[0].drawdown, Some(0.0));
        assert_eq!(rows[1].ath, 0.0);
        assert_eq!(rows[1].drawdown, None);
    }

    #[test]
    fn ranks_by_market_cap_skip_zero_caps_and_break_ties_by_name() {
        let coins = [
            coin(1, "Small", "SML"),
            coin(2, "Big", "BIG"),
            coin(3, "Unknown", "UNK"),
            coin(4, "Zulu Twin", "ZTW"),
            coin(5, "Alpha Twin", "ATW"),
        ];
        let caps: Vec<(&Currency, f64)> =
            coins.iter().zip([10.0, 1000.0, 0.0, 50.0, 50.0]).collect();
        let ranks = market_cap_ranks(&caps);
        assert_eq!(ranks, HashMap::from([(2, 1), (5, 2), (4, 3), (1, 4)]));
    }

    #[test]
    fn coins_without_a_record_on_the_day_have_no_row() {
        let a = coin(1, "A", "A");
        let records = vec![with_cap(rec("2021-07-05", 1.0), 5000.0)];
        let inputs = [MarketInput {
            currency: &a,
            records: &records,
            ath: None,
        }];
        assert!(market_rows(day("2021-07-06"), &inputs, &HashMap::new()).is_empty());
    }

    fn row(name: &str, market_cap: f64, change: Option<f64>) -> MarketRow {
        MarketRow {
            rank: None,
            symbol: name.to_uppercase(),
            name: name.into(),
            price: market_cap / 10.0,
            open: 1.0,
            high: 1.0,
            low: 1.0,
            volume: 1.0,
            market_cap,
            change_1d: change,
            change_7d: change,
            change_30d: change,
            change_90d: change,
            change_365d: change,
            ath: 1.0,
            ath_date: day("2021-01-01"),
            drawdown: change,
        }
    }

    fn names(rows: &[MarketRow]) -> Vec<&str> {
        rows.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn sorting_puts_nulls_last_both_ways_and_ties_by_name() {
        let mut rows = vec![
            row("bravo", 30.0, Some(-1.0)),
            row("Alpha", 20.0, None),
            row("charlie", 30.0, Some(4.0)),
            row("Delta", 0.0, Some(4.0)),
        ];
        for (r, rank) in rows.iter_mut().zip([Some(1), Some(3), Some(2), None]) {
            r.rank = rank;
        }
        for order in [
            MarketOrder::Change1d,
            MarketOrder::Change7d,
            MarketOrder::Change30d,
            MarketOrder::Change90d,
            MarketOrder::Change365d,
            MarketOrder::Drawdown,
        ] {
            sort_market_rows(&mut rows, order, SortDirection::Desc);
            assert_eq!(
                names(&rows),
                ["charlie", "Delta", "bravo", "Alpha"],
                "{order:?}"
            );
            sort_market_rows(&mut rows, order, SortDirection::Asc);
            assert_eq!(
                names(&rows),
                ["bravo", "charlie", "Delta", "Alpha"],
                "{order:?}"
            );
        }
        sort_market_rows(&mut rows, MarketOrder::Rank, SortDirection::Asc);
        assert_eq!(names(&rows), ["bravo", "charlie", "Alpha", "Delta"]);
        sort_market_rows(&mut rows, MarketOrder::Rank, SortDirection::Desc);
        assert_eq!(names(&rows), ["Alpha", "charlie", "bravo", "Delta"]);
        for order in [MarketOrder::MarketCap, MarketOrder::Price] {
            sort_market_rows(&mut rows, order, SortDirection::Desc);
            assert_eq!(names(&rows), ["bravo", "charlie", "Alpha", "Delta"]);
        }
        sort_market_rows(&mut rows, MarketOrder::Name, SortDirection::Asc);
        assert_eq!(names(&rows), ["Alpha", "bravo", "charlie", "Delta"]);
        sort_market_rows(&mut rows, MarketOrder::Name, SortDirection::Desc);
        assert_eq!(names(&rows), ["Delta", "charlie", "bravo", "Alpha"]);
        sort_market_rows(&mut rows, MarketOrder::Ath, SortDirection::Asc);
        assert_eq!(
            names(&rows),
            ["Alpha", "bravo", "charlie", "Delta"],
            "ties by name"
        );
    }

    #[test]
    fn order_by_accepts_every_field_name_in_any_case() {
        for name in MarketOrder::ACCEPTED.split(", ") {
            assert!(name.parse::<MarketOrder>().is_ok(), "{name}");
            assert!(name.to_uppercase().parse::<MarketOrder>().is_ok(), "{name}");
        }
        assert_eq!("Market_Cap".parse(), Ok(MarketOrder::MarketCap));
        let error = "ath_date".parse::<MarketOrder>().unwrap_err();
        assert!(
            error.contains("'ath_date'") && error.contains("change_365d"),
            "{error}"
        );
    }
}
