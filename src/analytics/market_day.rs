//! One coin on one day, with everything the day-based routes (`/dashboard`, `/api/v1/markets`,
//! `/api/v3/coins/markets`) need of it: the day's record, the as-of reference closes of the
//! 1/7/30/90/365-day changes, the record of the day before, and the all-time high and the
//! highest and lowest close up to the day. Computed here from the coin's history, once per
//! write (the store keeps the rows in table `market_day`, migration 0007), so that a route
//! reads one row per coin of its day instead of 4 to 6 days of records plus the all-time
//! tables.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{Datelike, NaiveDate};

use super::coins::PricePoint;
use super::markets::MARKET_LOOKBACK_DAYS;
use super::percent::{percent_change, AS_OF_MAX_AGE_DAYS};
use crate::domain::DailyRecord;

/// A coin's close and market cap on the day before a [`MarketDay`]: CoinGecko's 24h figures
/// compare with that exact day (no as-of rule).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Previous {
    pub close: f64,
    pub market_cap: f64,
}

/// One coin on one day it has a record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarketDay {
    pub currency_id: i64,
    pub record: DailyRecord,
    /// For each of [`MARKET_LOOKBACK_DAYS`], the close of the as-of reference record of the
    /// day that many days back ([`as_of`](super::percent::as_of)); `None` when there is none.
    pub reference_closes: [Option<f64>; MARKET_LOOKBACK_DAYS.len()],
    /// The record of the day before, if there is one.
    pub previous: Option<Previous>,
    /// The highest daily high up to and including the day, reached first on `date`.
    pub ath: PricePoint,
    /// The highest and lowest daily close up to and including the day, each reached first.
    pub highest_close: PricePoint,
    pub lowest_close: PricePoint,
}

impl MarketDay {
    pub fn date(&self) -> NaiveDate {
        self.record.date()
    }

    /// The reference close `days_back` days before the day; `None` when there is none or
    /// `days_back` is not one of [`MARKET_LOOKBACK_DAYS`].
    pub fn reference_close(&self, days_back: u64) -> Option<f64> {
        let index = MARKET_LOOKBACK_DAYS.iter().position(|b| *b == days_back)?;
        self.reference_closes[index]
    }

    /// The percent change of the day's close over `days_back` days, by the as-of rule: the
    /// same as `percent::change_over` on the coin's records.
    pub fn change_over(&self, days_back: u64) -> Option<f64> {
        percent_change(self.record.close(), self.reference_close(days_back)?)
    }
}

/// The [`MarketDay`]s of one coin, in date order, from its whole history: the running
/// extremes are carried from the first record, the references looked up in the history.
#[derive(Debug, Clone)]
pub struct MarketDays<'a> {
    currency_id: i64,
    records: &'a [DailyRecord],
    next: usize,
    /// For each of [`MARKET_LOOKBACK_DAYS`], how many records are dated on or before the
    /// reference day of the last day handed out. Reference days only move forward, so each
    /// lookback walks the history once: a binary search per day and lookback (7 M rows x 5)
    /// was a fifth of a 7 M-row import's CPU time.
    reference_ends: [usize; MARKET_LOOKBACK_DAYS.len()],
    ath: Option<PricePoint>,
    highest: Option<PricePoint>,
    lowest: Option<PricePoint>,
}

impl<'a> MarketDays<'a> {
    /// The days of `records` (the coin's whole history, sorted by date, one per day) dated on
    /// or after `from`. The days before cannot depend on a record on or after `from`, which is
    /// why a write recomputes only the days from its earliest changed one.
    pub fn from(currency_id: i64, records: &'a [DailyRecord], from: NaiveDate) -> Self {
        let start = records.partition_point(|r| r.date() < from);
        let mut days = MarketDays {
            currency_id,
            records,
            next: 0,
            reference_ends: [0; MARKET_LOOKBACK_DAYS.len()],
            ath: None,
            highest: None,
            lowest: None,
        };
        for record in &records[..start] {
            days.absorb(record);
        }
        days.next = start;
        days
    }

    /// Every day of `records`.
    pub fn all(currency_id: i64, records: &'a [DailyRecord]) -> Self {
        MarketDays::from(currency_id, records, NaiveDate::MIN)
    }

    /// The date of the next day, if any is left.
    pub fn peek_date(&self) -> Option<NaiveDate> {
        self.records.get(self.next).map(DailyRecord::date)
    }

    /// Moves the running extremes past `record`. A later equal value is not a new extreme:
    /// each is dated the first day it was reached.
    fn absorb(&mut self, record: &DailyRecord) {
        let at = |price| PricePoint {
            price,
            date: record.date(),
        };
        if self.ath.is_none_or(|a| record.high() > a.price) {
            self.ath = Some(at(record.high()));
        }
        if self.highest.is_none_or(|h| record.close() > h.price) {
            self.highest = Some(at(record.close()));
        }
        if self.lowest.is_none_or(|l| record.close() < l.price) {
            self.lowest = Some(at(record.close()));
        }
    }
}

impl Iterator for MarketDays<'_> {
    type Item = MarketDay;

    fn next(&mut self) -> Option<MarketDay> {
        let index = self.next;
        let record = *self.records.get(index)?;
        self.next += 1;
        self.absorb(&record);
        let date = record.date();
        let earlier = &self.records[..index];
        // `percent::as_of` on `earlier`, in day numbers: the latest record on or before the
        // reference day, if it is at most AS_OF_MAX_AGE_DAYS older.
        let today = i64::from(date.num_days_from_ce());
        let reference_closes = std::array::from_fn(|k| {
            let reference = today - MARKET_LOOKBACK_DAYS[k] as i64;
            let end = &mut self.reference_ends[k];
            while *end < earlier.len()
                && i64::from(earlier[*end].date().num_days_from_ce()) <= reference
            {
                *end += 1;
            }
            let candidate = earlier[..*end].last()?;
            (i64::from(candidate.date().num_days_from_ce())
                >= reference - AS_OF_MAX_AGE_DAYS as i64)
                .then(|| candidate.close())
        });
        let previous = earlier
            .last()
            .filter(|p| i64::from(p.date().num_days_from_ce()) == today - 1)
            .map(|p| Previous {
                close: p.close(),
                market_cap: p.market_cap(),
            });
        let (Some(ath), Some(highest_close), Some(lowest_close)) =
            (self.ath, self.highest, self.lowest)
        else {
            unreachable!("absorb sets every extreme");
        };
        Some(MarketDay {
            currency_id: self.currency_id,
            record,
            reference_closes,
            previous,
            ath,
            highest_close,
            lowest_close,
        })
    }
}

/// The days of several coins merged in the order of `market_day`'s key, (date, coin id): a
/// bulk load appends them to the end of the table's b-tree instead of inserting coin after
/// coin at a random place each, and PostgreSQL's heap holds each day's rows together.
pub fn in_key_order<'a>(coins: Vec<MarketDays<'a>>) -> impl Iterator<Item = MarketDay> + 'a {
    let mut heap: BinaryHeap<Reverse<(NaiveDate, i64, usize)>> = coins
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some(Reverse((c.peek_date()?, c.currency_id, i))))
        .collect();
    let mut coins = coins;
    std::iter::from_fn(move || {
        let Reverse((_, _, i)) = heap.pop()?;
        let coin = &mut coins[i];
        let day = coin.next()?;
        if let Some(date) = coin.peek_date() {
            heap.push(Reverse((date, coin.currency_id, i)));
        }
        Some(day)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::dashboard::LOOKBACK_DAYS;
    use crate::analytics::percent::change_over;
    use crate::test_support::{day, record};
    use chrono::Days;

    /// A history with gaps (of 1, 2, 4 and 40 days), repeated highs and closes, and a zero close.
    fn history() -> Vec<DailyRecord> {
        let mut records = Vec::new();
        let mut date = day("2019-01-01");
        for i in 0..800u64 {
            let skip = match i {
                100 => 2,
                200 => 3,
                300 => 5,
                400 => 41,
                _ => 1,
            };
            date = date + Days::new(skip);
            // A saw-tooth with plateaus: equal highs and closes recur.
            let close = ((i * 7919) % 97) as f64 + if i == 500 { -0.0 } else { 0.5 };
            let close = if i == 600 { 0.0 } else { close };
            let high = close + (i % 5) as f64;
            records.push(record(
                &date.to_string(),
                [close, high, close, close, i as f64, close * 3.0],
            ));
        }
        records
    }

    /// What every field must be, by brute force over the history up to the day.
    fn brute_force(currency_id: i64, records: &[DailyRecord], index: usize) -> MarketDay {
        let r = records[index];
        let upto = &records[..=index];
        let first_max = |value: fn(&DailyRecord) -> f64, higher: bool| {
            let mut best = upto[0];
            for c in upto {
                let better = if higher {
                    value(c) > value(&best)
                } else {
                    value(c) < value(&best)
                };
                if better {
                    best = *c;
                }
            }
            PricePoint {
                price: value(&best),
                date: best.date(),
            }
        };
        MarketDay {
            currency_id,
            record: r,
            reference_closes: MARKET_LOOKBACK_DAYS.map(|back| {
                let reference = r.date() - Days::new(back);
                upto.iter()
                    .rev()
                    .find(|c| c.date() <= reference)
                    .filter(|c| (reference - c.date()).num_days() <= 3)
                    .map(|c| c.close())
            }),
            previous: upto
                .iter()
                .find(|c| c.date() == r.date() - Days::new(1))
                .map(|p| Previous {
                    close: p.close(),
                    market_cap: p.market_cap(),
                }),
            ath: first_max(DailyRecord::high, true),
            highest_close: first_max(DailyRecord::close, true),
            lowest_close: first_max(DailyRecord::close, false),
        }
    }

    #[test]
    fn every_day_equals_the_brute_force_recomputation() {
        let records = history();
        let days: Vec<MarketDay> = MarketDays::all(7, &records).collect();
        assert_eq!(days.len(), records.len());
        for (index, got) in days.iter().enumerate() {
            assert_eq!(*got, brute_force(7, &records, index), "day {index}");
        }
        // The cases the history was built for do occur.
        assert!(days.iter().any(|d| d.previous.is_none()));
        assert!(days
            .iter()
            .any(|d| d.reference_closes[0].is_some() && d.previous.is_none()));
        assert!(days.iter().any(|d| d.reference_closes[4].is_none()));
        assert!(days.iter().any(|d| d.ath.date < d.date()));
    }

    #[test]
    fn the_changes_are_those_of_the_records() {
        let records = history();
        for (index, d) in MarketDays::all(1, &records).enumerate() {
            for back in MARKET_LOOKBACK_DAYS {
                let expected = change_over(&records, &records[index], back);
                assert_eq!(
                    d.change_over(back).map(f64::to_bits),
                    expected.map(f64::to_bits)
                );
            }
        }
        // The dashboard's look-backs are among those kept.
        assert!(LOOKBACK_DAYS
            .iter()
            .all(|b| MARKET_LOOKBACK_DAYS.contains(b)));
        let any = MarketDays::all(1, &records).last().unwrap();
        assert_eq!(any.reference_close(2), None);
    }

    #[test]
    fn days_from_a_date_are_the_tail_of_all_days() {
        let records = history();
        let all: Vec<MarketDay> = MarketDays::all(3, &records).collect();
        for from in [records[0].date(), records[450].date(), day("2019-04-11")] {
            let tail: Vec<MarketDay> = MarketDays::from(3, &records, from).collect();
            let start = all.iter().position(|d| d.date() >= from).unwrap();
            assert_eq!(tail, all[start..]);
        }
        let after = records.last().unwrap().date() + Days::new(1);
        assert_eq!(MarketDays::from(3, &records, after).count(), 0);
        assert_eq!(MarketDays::all(3, &[]).count(), 0);
    }

    #[test]
    fn merged_days_come_in_date_then_coin_order() {
        let records = history();
        let late = &records[300..];
        let merged: Vec<MarketDay> = in_key_order(vec![
            MarketDays::all(9, &records[..500]),
            MarketDays::all(2, late),
            MarketDays::all(5, &[]),
        ])
        .collect();
        assert_eq!(merged.len(), 500 + late.len());
        assert!(merged
            .windows(2)
            .all(|w| (w[0].date(), w[0].currency_id) < (w[1].date(), w[1].currency_id)));
        let coin_2: Vec<MarketDay> = merged
            .iter()
            .filter(|d| d.currency_id == 2)
            .copied()
            .collect();
        assert_eq!(coin_2, MarketDays::all(2, late).collect::<Vec<_>>());
    }
}
