//! OHLCV candles: daily records folded into days, ISO weeks or calendar months.
//!
//! A candle holds the records of one period that were asked for: open is the first day's
//! open, close the last day's close, high the maximum high, low the minimum low, volume the
//! sum, market cap the last day's; `days` says how many records it holds (a period cut by
//! the requested range, or by a gap in the data, holds fewer than its calendar length).

use std::str::FromStr;

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use super::prices::prices_object;
use crate::domain::DailyRecord;

/// The most candles one request may span; beyond this a client must narrow the range.
pub const MAX_CANDLES: u64 = 10_000;

/// The width of a candle (`interval`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interval {
    /// One calendar day.
    #[default]
    Day,
    /// An ISO week, Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
}

impl Interval {
    /// Every accepted spelling, exactly (`1m` is refused rather than guessed, since elsewhere
    /// it means one minute): the parser and the OpenAPI enum read this list.
    pub const SPELLINGS: &'static [(&'static str, Interval)] = &[
        ("1d", Interval::Day),
        ("1w", Interval::Week),
        ("1M", Interval::Month),
    ];

    /// The spellings accepted, for error messages.
    pub const ACCEPTED: &'static str =
        "1d (days), 1w (ISO weeks, Monday start), 1M (calendar months)";

    /// The canonical spelling, echoed in answers.
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Day => "1d",
            Interval::Week => "1w",
            Interval::Month => "1M",
        }
    }

    /// The first day of the period holding `day`: the day itself, its ISO week's Monday, or
    /// the 1st of its month.
    pub fn period_start(self, day: NaiveDate) -> NaiveDate {
        match self {
            Interval::Day => day,
            Interval::Week => {
                let back = u64::from(day.weekday().num_days_from_monday());
                day.checked_sub_days(Days::new(back)).unwrap_or(day)
            }
            Interval::Month => day.with_day(1).unwrap_or(day),
        }
    }

    /// How many periods the calendar range `from..=to` touches (0 when `from > to`).
    pub fn periods_between(self, from: NaiveDate, to: NaiveDate) -> u64 {
        if from > to {
            return 0;
        }
        let (first, last) = (self.period_start(from), self.period_start(to));
        let span_days = u64::try_from((last - first).num_days()).unwrap_or(0);
        match self {
            Interval::Day => span_days + 1,
            Interval::Week => span_days / 7 + 1,
            Interval::Month => {
                let months = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
                u64::try_from(months(last) - months(first)).unwrap_or(0) + 1
            }
        }
    }
}

impl FromStr for Interval {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let raw = raw.trim();
        Interval::SPELLINGS
            .iter()
            .find(|(spelling, _)| *spelling == raw)
            .map(|(_, interval)| *interval)
            .ok_or_else(|| {
                format!(
                    "'{raw}' is not an interval; use one of {}",
                    Interval::ACCEPTED
                )
            })
    }
}

prices_object! {
    /// One period's prices; also what `/api/v1/coins/{symbol}/history` lists, field for field
    /// (the schema keeps the name the API has always published). Dated by
    /// [`Interval::period_start`].
    #[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
    #[schema(
        as = CandleEntry,
        description = "One OHLCV candle: `date` is the period start (the day for 1d, the ISO \
            week's Monday for 1w, the 1st for 1M); open is the first day's open, close and \
            market_cap the last day's, high the maximum, low the minimum, volume the sum over \
            the candle's days."
    )]
    pub struct Candle {
        /// How many daily records the candle holds.
        pub days: u32,
    }
}

/// Folds `records` (sorted by date, ascending, one per day) into candles, ascending by date.
pub fn candles(records: &[DailyRecord], interval: Interval) -> Vec<Candle> {
    let mut out: Vec<Candle> = Vec::new();
    for record in records {
        let start = interval.period_start(record.date());
        match out.last_mut() {
            Some(candle) if candle.date == start => {
                candle.high = candle.high.max(record.high());
                candle.low = candle.low.min(record.low());
                candle.close = record.close();
                candle.volume += record.volume();
                candle.market_cap = record.market_cap();
                candle.days += 1;
            }
            _ => out.push(Candle {
                date: start,
                open: record.open(),
                high: record.high(),
                low: record.low(),
                close: record.close(),
                volume: record.volume(),
                market_cap: record.market_cap(),
                days: 1,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::day;

    fn record(date: &str, open: f64, high: f64, low: f64, close: f64, volume: f64) -> DailyRecord {
        crate::test_support::record(date, [open, high, low, close, volume, close * 100.0])
    }

    #[test]
    fn intervals_parse_exactly() {
        assert_eq!("1d".parse(), Ok(Interval::Day));
        assert_eq!(" 1w ".parse(), Ok(Interval::Week));
        assert_eq!("1M".parse(), Ok(Interval::Month));
        assert!("1m".parse::<Interval>().unwrap_err().contains("1M"));
        assert!("week".parse::<Interval>().is_err());
        assert!("".parse::<Interval>().is_err());
    }

    #[test]
    fn period_starts_are_the_day_the_iso_monday_and_the_first() {
        // 2021-06-28 is a Monday; 2021-07-04 the Sunday of the same ISO week. An ISO week
        // across a year end: 2021-01-01 (Friday) belongs to the week of 2020-12-28.
        let cases = [
            (Interval::Week, "2021-06-28", "2021-06-28"),
            (Interval::Week, "2021-07-04", "2021-06-28"),
            (Interval::Week, "2021-07-05", "2021-07-05"),
            (Interval::Week, "2021-01-01", "2020-12-28"),
            (Interval::Month, "2020-02-29", "2020-02-01"),
            (Interval::Day, "2020-02-29", "2020-02-29"),
        ];
        for (interval, date, start) in cases {
            assert_eq!(
                interval.period_start(day(date)),
                day(start),
                "{interval:?} {date}"
            );
        }
    }

    #[test]
    fn periods_between_counts_touched_periods() {
        let (from, to) = (day("2021-06-30"), day("2021-07-06"));
        assert_eq!(Interval::Day.periods_between(from, to), 7);
        assert_eq!(Interval::Week.periods_between(from, to), 2);
        assert_eq!(Interval::Month.periods_between(from, to), 2);
        assert_eq!(Interval::Day.periods_between(to, to), 1);
        assert_eq!(Interval::Day.periods_between(to, from), 0);
        assert_eq!(
            Interval::Month.periods_between(day("2013-04-29"), day("2021-07-06")),
            12 * 8 + 4
        );
        assert_eq!(
            Interval::Day.periods_between(day("2000-01-01"), day("2027-05-19")),
            10_001
        );
    }

    #[test]
    fn a_week_folds_open_first_close_last_high_max_low_min_volume_sum() {
        let records = [
            record("2021-06-27", 1.0, 2.0, 0.5, 1.5, 10.0), // Sunday: the previous week
            record("2021-06-28", 2.0, 3.0, 1.0, 2.5, 1.0),
            record("2021-06-30", 2.5, 9.0, 2.0, 3.0, 2.0),
            record("2021-07-04", 3.0, 4.0, 0.25, 3.5, 4.0),
            record("2021-07-05", 4.0, 5.0, 3.0, 4.5, 8.0), // Monday: the next week
        ];
        let weeks = candles(&records, Interval::Week);
        assert_eq!(weeks.len(), 3);
        assert_eq!(weeks[0].date, day("2021-06-21"));
        assert_eq!(weeks[0].days, 1);
        assert_eq!(
            weeks[1],
            Candle {
                date: day("2021-06-28"),
                open: 2.0,
                high: 9.0,
                low: 0.25,
                close: 3.5,
                volume: 7.0,
                market_cap: 350.0,
                days: 3,
            }
        );
        assert_eq!((weeks[2].date, weeks[2].days), (day("2021-07-05"), 1));

        let months = candles(&records, Interval::Month);
        let summary: Vec<(NaiveDate, u32, f64, f64)> = months
            .iter()
            .map(|c| (c.date, c.days, c.open, c.close))
            .collect();
        assert_eq!(
            summary,
            [
                (day("2021-06-01"), 3, 1.0, 3.0),
                (day("2021-07-01"), 2, 3.0, 4.5)
            ]
        );

        let days = candles(&records, Interval::Day);
        assert_eq!(days.len(), records.len());
        assert!(days.iter().all(|c| c.days == 1));
        assert_eq!(days[2].high, 9.0);
    }

    #[test]
    fn no_records_no_candles() {
        assert!(candles(&[], Interval::Month).is_empty());
    }
}
