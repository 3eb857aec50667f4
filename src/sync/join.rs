//! Turning a CoinGecko v3 answer into daily records: pure, unit-tested without a network.
//!
//! The clock (shared/COINGECKO.md): the close, volume and market cap of day D are observed at
//! D+1 00:00:00 UTC, so a daily candle or chart point stamped D+1 00:00 is record D. Candles
//! give open/high/low/close, `/market_chart/range` gives volume and market cap; a day is
//! written only when all six are there (never carried over from a neighbour, never invented).

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate};

use crate::domain::DailyRecord;

const DAY_MS: i64 = 86_400_000;

/// The record day a daily timestamp (UNIX ms, exactly 00:00 UTC) closes; `None` for a
/// timestamp inside a day (CoinGecko's last chart point is "now", not a daily close).
pub fn record_day(timestamp_ms: f64) -> Option<NaiveDate> {
    if !timestamp_ms.is_finite() || timestamp_ms.fract() != 0.0 {
        return None;
    }
    let ms = timestamp_ms as i64;
    if ms % DAY_MS != 0 {
        return None;
    }
    DateTime::from_timestamp_millis(ms)?
        .date_naive()
        .checked_sub_days(Days::new(1))
}

/// The UNIX seconds at which record day `day` closes (D+1 00:00 UTC).
pub fn close_instant(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp())
        + 86_400
}

/// One daily candle as sent: `[ms, open, high, low, close]`.
pub type Candle = [f64; 5];

/// Volume and market cap by day, from `/market_chart/range`: `[[ms, value], ...]` arrays.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Chart {
    pub market_caps: Vec<(f64, Option<f64>)>,
    pub total_volumes: Vec<(f64, Option<f64>)>,
}

/// Why a source's answer cannot be mirrored.
#[derive(Debug, Clone, PartialEq)]
pub enum JoinError {
    /// A candle that is not stamped at 00:00 UTC: the source is not giving daily candles.
    NotDaily { timestamp_ms: f64 },
    /// Two different candles for one day.
    Conflict { day: NaiveDate },
    /// A complete day whose values are no record (high < low, negative, ...).
    Invalid { day: NaiveDate, reason: String },
}

impl std::fmt::Display for JoinError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JoinError::NotDaily { timestamp_ms } => write!(
                f,
                "a candle is stamped {timestamp_ms} ms, not 00:00 UTC: the source does not give \
                 daily candles"
            ),
            JoinError::Conflict { day } => {
                write!(f, "{day}: the source sent two different candles")
            }
            JoinError::Invalid { day, reason } => write!(f, "{day}: {reason}"),
        }
    }
}

/// The complete days in `from..=to`: a candle, a volume and a market cap, each checked by
/// `DailyRecord::new` (the importer's validation). Ordered by day.
pub fn join(
    candles: &[Candle],
    chart: &Chart,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DailyRecord>, JoinError> {
    let mut by_day: BTreeMap<NaiveDate, Candle> = BTreeMap::new();
    for candle in candles {
        let day = record_day(candle[0]).ok_or(JoinError::NotDaily {
            timestamp_ms: candle[0],
        })?;
        if day < from || day > to {
            continue;
        }
        if let Some(seen) = by_day.insert(day, *candle) {
            // Overlapping chunks repeat a day; the same values are no conflict.
            if seen
                .iter()
                .zip(candle)
                .any(|(a, b)| a.to_bits() != b.to_bits())
            {
                return Err(JoinError::Conflict { day });
            }
        }
    }
    let points = |series: &[(f64, Option<f64>)]| -> BTreeMap<NaiveDate, f64> {
        series
            .iter()
            .filter_map(|(ms, value)| Some((record_day(*ms)?, (*value)?)))
            .collect()
    };
    let (caps, volumes) = (points(&chart.market_caps), points(&chart.total_volumes));
    let mut records = Vec::with_capacity(by_day.len());
    for (day, [_, open, high, low, close]) in by_day {
        let (Some(volume), Some(market_cap)) = (volumes.get(&day), caps.get(&day)) else {
            continue;
        };
        let record = DailyRecord::new(day.into(), open, high, low, close, *volume, *market_cap)
            .map_err(|violation| {
                let field = violation.field.json_name();
                // "high 1 is below low 2" names its field already; "-1 is negative" does not.
                let reason = if violation.reason.starts_with(field) {
                    violation.reason
                } else {
                    format!("{field} {}", violation.reason)
                };
                JoinError::Invalid { day, reason }
            })?;
        records.push(record);
    }
    Ok(records)
}

/// `from..=to` cut into spans of at most `days` days, in order.
pub fn chunks(from: NaiveDate, to: NaiveDate, days: u32) -> Vec<(NaiveDate, NaiveDate)> {
    let days = u64::from(days.max(1));
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        let end = start
            .checked_add_days(Days::new(days - 1))
            .map_or(to, |end| end.min(to));
        out.push((start, end));
        match end.checked_add_days(Days::new(1)) {
            Some(next) => start = next,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn ms(d: &str) -> f64 {
        (close_instant(day(d)) * 1000) as f64
    }

    #[test]
    fn a_timestamp_at_midnight_closes_the_day_before() {
        assert_eq!(record_day(1_625_616_000_000.0), Some(day("2021-07-06")));
        assert_eq!(close_instant(day("2021-07-06")), 1_625_616_000);
        assert_eq!(record_day(1_625_616_000_001.0), None);
        assert_eq!(record_day(1_625_616_000_000.5), None);
        assert_eq!(record_day(f64::NAN), None);
    }

    #[test]
    fn only_days_with_every_value_are_records_and_gaps_stay_gaps() {
        let candles = [
            [ms("2021-07-04"), 1.0, 2.0, 0.5, 1.5],
            [ms("2021-07-05"), 1.5, 2.5, 1.0, 2.0],
            [ms("2021-07-07"), 2.0, 3.0, 1.5, 2.5],
        ];
        let chart = Chart {
            market_caps: vec![
                (ms("2021-07-04"), Some(100.0)),
                (ms("2021-07-05"), None),
                (ms("2021-07-07"), Some(300.0)),
                (ms("2021-07-07") + 3_600_000.0, Some(310.0)),
            ],
            total_volumes: vec![
                (ms("2021-07-04"), Some(10.0)),
                (ms("2021-07-05"), Some(20.0)),
                (ms("2021-07-07"), Some(30.0)),
            ],
        };
        let records = join(&candles, &chart, day("2021-07-01"), day("2021-07-31")).unwrap();
        let days: Vec<String> = records.iter().map(|r| r.date().to_string()).collect();
        // 07-05 has no market cap, 07-06 nothing at all: neither is written.
        assert_eq!(days, ["2021-07-04", "2021-07-07"]);
        assert_eq!(records[1].market_cap(), 300.0);
        assert_eq!(records[1].volume(), 30.0);
        assert_eq!((records[1].open(), records[1].close()), (2.0, 2.5));
        // The range bounds apply.
        let only = join(&candles, &chart, day("2021-07-05"), day("2021-07-07")).unwrap();
        assert_eq!(only.len(), 1);
    }

    #[test]
    fn bad_candles_are_refused_with_their_day() {
        let chart = Chart {
            market_caps: vec![(ms("2021-07-04"), Some(1.0))],
            total_volumes: vec![(ms("2021-07-04"), Some(1.0))],
        };
        let (from, to) = (day("2021-01-01"), day("2021-12-31"));
        let inverted = [[ms("2021-07-04"), 1.0, 1.0, 2.0, 1.5]];
        let error = join(&inverted, &chart, from, to).unwrap_err();
        assert_eq!(error.to_string(), "2021-07-04: high 1 is below low 2");
        let four_hourly = [[ms("2021-07-04") - 4.0 * 3_600_000.0, 1.0, 2.0, 1.0, 1.5]];
        assert!(matches!(
            join(&four_hourly, &chart, from, to),
            Err(JoinError::NotDaily { .. })
        ));
        let twice = [
            [ms("2021-07-04"), 1.0, 2.0, 1.0, 1.5],
            [ms("2021-07-04"), 1.0, 2.0, 1.0, 1.6],
        ];
        assert_eq!(
            join(&twice, &chart, from, to),
            Err(JoinError::Conflict {
                day: day("2021-07-04")
            })
        );
    }

    #[test]
    fn ranges_are_cut_into_chunks_of_the_allowed_size() {
        assert_eq!(
            chunks(day("2021-01-01"), day("2021-01-10"), 4),
            vec![
                (day("2021-01-01"), day("2021-01-04")),
                (day("2021-01-05"), day("2021-01-08")),
                (day("2021-01-09"), day("2021-01-10")),
            ]
        );
        assert_eq!(chunks(day("2021-01-02"), day("2021-01-01"), 4), vec![]);
        assert_eq!(chunks(day("2021-01-01"), day("2021-01-01"), 180).len(), 1);
    }
}
