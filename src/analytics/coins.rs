//! One coin at a glance: the span of its history, its latest record, and its all-time high
//! and low (from daily highs and lows).

use chrono::NaiveDate;

use crate::domain::DailyRecord;

/// A price and the day it was reached.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PricePoint {
    pub price: f64,
    pub date: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoinOverview {
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    /// The number of daily records (gaps are not counted).
    pub days: usize,
    pub latest: DailyRecord,
    /// The maximum daily high; on a tie, the earliest day.
    pub ath: PricePoint,
    /// The minimum daily low; on a tie, the earliest day.
    pub atl: PricePoint,
}

/// The overview of `records` (sorted by date, ascending), or `None` when there are none.
pub fn overview(records: &[DailyRecord]) -> Option<CoinOverview> {
    let first = records.first()?;
    let latest = *records.last()?;
    let mut ath = PricePoint {
        price: first.high(),
        date: first.date(),
    };
    let mut atl = PricePoint {
        price: first.low(),
        date: first.date(),
    };
    for record in &records[1..] {
        // Strict comparisons keep the earliest day of a tie.
        if record.high() > ath.price {
            ath = PricePoint {
                price: record.high(),
                date: record.date(),
            };
        }
        if record.low() < atl.price {
            atl = PricePoint {
                price: record.low(),
                date: record.date(),
            };
        }
    }
    Some(CoinOverview {
        first_date: first.date(),
        last_date: latest.date(),
        days: records.len(),
        latest,
        ath,
        atl,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::day;

    fn record(date: &str, high: f64, low: f64, close: f64) -> DailyRecord {
        crate::test_support::record(date, [close, high, low, close, 0.0, 0.0])
    }

    #[test]
    fn highs_and_lows_with_earliest_day_on_ties() {
        let records = [
            record("2021-01-01", 5.0, 2.0, 3.0),
            record("2021-01-02", 9.0, 1.0, 8.0),
            record("2021-01-04", 9.0, 1.0, 4.0), // same high and low later: not chosen
            record("2021-01-05", 6.0, 3.0, 5.0),
        ];
        let o = overview(&records).unwrap();
        assert_eq!(
            (o.first_date, o.last_date),
            (day("2021-01-01"), day("2021-01-05"))
        );
        assert_eq!(o.days, 4, "the gap on 01-03 is not a day");
        assert_eq!(o.latest, records[3]);
        assert_eq!(
            o.ath,
            PricePoint {
                price: 9.0,
                date: day("2021-01-02")
            }
        );
        assert_eq!(
            o.atl,
            PricePoint {
                price: 1.0,
                date: day("2021-01-02")
            }
        );
    }

    #[test]
    fn one_record_is_its_own_high_and_low_and_none_is_none() {
        let records = [record("2021-01-01", 5.0, 2.0, 3.0)];
        let o = overview(&records).unwrap();
        assert_eq!(o.ath.price, 5.0);
        assert_eq!(o.atl.price, 2.0);
        assert!(overview(&[]).is_none());
    }
}
