//! Percent changes against an "as of" reference day, the rule shared by every route that
//! reports a change over N days.

use chrono::{Days, NaiveDate};

use crate::domain::DailyRecord;

/// A reference record may be at most this many days older than the day it stands for.
/// It bridges real gaps (Monero misses 2014-06-05, Tether misses a few days in 2015)
/// without comparing against a price from weeks earlier.
pub const AS_OF_MAX_AGE_DAYS: u64 = 3;

/// The coin's latest record on or before `day`, if it is at most
/// [`AS_OF_MAX_AGE_DAYS`] older. `records` must be sorted by date, ascending.
pub fn as_of(records: &[DailyRecord], day: NaiveDate) -> Option<&DailyRecord> {
    let after = records.partition_point(|r| r.date() <= day);
    let candidate = records[..after].last()?;
    let oldest_allowed = day.checked_sub_days(Days::new(AS_OF_MAX_AGE_DAYS))?;
    (candidate.date() >= oldest_allowed).then_some(candidate)
}

/// `(now - reference) / reference * 100`, or `None` when the reference is 0
/// (a percentage of nothing is not a number anyone can use).
pub fn percent_change(now: f64, reference: f64) -> Option<f64> {
    if reference == 0.0 {
        return None;
    }
    let change = (now - reference) / reference * 100.0;
    change.is_finite().then_some(change)
}

/// The percent change of `close` on `day` against the as-of close `days_back` days earlier.
pub fn change_over(records: &[DailyRecord], today: &DailyRecord, days_back: u64) -> Option<f64> {
    let reference_day = today.date().checked_sub_days(Days::new(days_back))?;
    let reference = as_of(records, reference_day)?;
    percent_change(today.close(), reference.close())
}

/// The calendar days whose records can serve as references for changes over `lookbacks`
/// days from `day` (and `day` itself): what a query must fetch to compute them.
pub fn reference_window(day: NaiveDate, lookbacks: &[u64]) -> Vec<NaiveDate> {
    let mut days = vec![day];
    for &back in lookbacks {
        for age in 0..=AS_OF_MAX_AGE_DAYS {
            if let Some(d) = day.checked_sub_days(Days::new(back + age)) {
                days.push(d);
            }
        }
    }
    days.sort_unstable();
    days.dedup();
    days
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{day, rec};

    #[test]
    fn as_of_takes_the_day_itself_or_bridges_a_short_gap() {
        // Monero has no record on 2014-06-05.
        let records = [
            rec("2014-06-03", 1.0),
            rec("2014-06-04", 2.0),
            rec("2014-06-06", 3.0),
        ];
        assert_eq!(as_of(&records, day("2014-06-06")).unwrap().close(), 3.0);
        assert_eq!(as_of(&records, day("2014-06-05")).unwrap().close(), 2.0);
        assert_eq!(as_of(&records, day("2014-06-07")).unwrap().close(), 3.0);
        assert_eq!(as_of(&records, day("2014-06-09")).unwrap().close(), 3.0);
        assert!(
            as_of(&records, day("2014-06-10")).is_none(),
            "4 days old is too old"
        );
        assert!(
            as_of(&records, day("2014-06-02")).is_none(),
            "before the first record"
        );
    }

    #[test]
    fn a_zero_reference_has_no_percent_change() {
        assert_eq!(percent_change(5.0, 0.0), None);
        assert!((percent_change(110.0, 100.0).unwrap() - 10.0).abs() < 1e-12);
        assert_eq!(percent_change(50.0, 100.0), Some(-50.0));
    }

    #[test]
    fn the_reference_window_covers_every_as_of_candidate() {
        let w = reference_window(day("2021-07-06"), &[1, 7, 30]);
        let expected: Vec<NaiveDate> = [
            "2021-06-03",
            "2021-06-04",
            "2021-06-05",
            "2021-06-06",
            "2021-06-26",
            "2021-06-27",
            "2021-06-28",
            "2021-06-29",
            "2021-07-02",
            "2021-07-03",
            "2021-07-04",
            "2021-07-05",
            "2021-07-06",
        ]
        .iter()
        .map(|d| day(d))
        .collect();
        assert_eq!(w, expected);
    }
}
