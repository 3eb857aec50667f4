//! `/api/v1/stats`: risk and return of coins over a date range, and how their daily moves
//! correlate. The conventions, exactly:
//!
//! - **Daily return** on day `t`: from the close of `t - 1` to the close of `t`. It exists
//!   only when the coin has records on both calendar days and both closes are > 0. A gap in
//!   the data therefore yields no return for the day after each missing day: the move across
//!   a gap spans several days and is not passed off as one day's move (Monero misses
//!   2014-06-05, so it has no return on 06-05 nor on 06-06). Both days must lie in the
//!   requested range, so the first return is on the day after the range's first record.
//! - **Log return**: `ln(close_t / close_{t-1})`; **simple return**, in percent:
//!   `(close_t - close_{t-1}) / close_{t-1} * 100`. Best and worst day use the simple return
//!   (the same days as the log return would pick; ties go to the earliest day).
//! - **Total return**, percent: from the first record's close in the range to the last's.
//! - **Annualized volatility**, percent: the sample standard deviation (divisor `n - 1`) of
//!   the daily log returns, times `sqrt(365)` (crypto trades every day of the year), times
//!   100. Needs at least 2 returns.
//! - **Maximum drawdown**, percent (0 or negative): the largest fall of a close from the
//!   highest close before it, `(trough - peak) / peak * 100`, with the peak's and trough's
//!   dates (on ties, the earliest peak and the earliest trough). With no fall it is 0 with
//!   peak and trough on the first day.
//! - **Correlation**: Pearson correlation of daily log returns, over the days on which every
//!   requested coin has a daily return (so every pair is measured on the same days, and the
//!   matrix is consistent). Undefined (`None`) with fewer than 2 shared days or where a coin's
//!   returns do not vary on them.

use chrono::{Days, NaiveDate};

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{Currency, DailyRecord};

/// Calendar days in a year: crypto markets never close.
pub const TRADING_DAYS_PER_YEAR: f64 = 365.0;

/// A coin's move on one day against the previous calendar day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DailyReturn {
    pub date: NaiveDate,
    pub log_return: f64,
    /// The simple return in percent.
    pub percent: f64,
}

/// The daily returns of `records` (sorted by date, ascending), per the module's rules.
pub fn daily_returns(records: &[DailyRecord]) -> Vec<DailyReturn> {
    records
        .windows(2)
        .filter_map(|pair| {
            let (previous, today) = (&pair[0], &pair[1]);
            let consecutive = previous.date().checked_add_days(Days::new(1)) == Some(today.date());
            if !consecutive || previous.close() <= 0.0 || today.close() <= 0.0 {
                return None;
            }
            let ratio = today.close() / previous.close();
            let percent = (today.close() - previous.close()) / previous.close() * 100.0;
            let log_return = ratio.ln();
            (log_return.is_finite() && percent.is_finite()).then_some(DailyReturn {
                date: today.date(),
                log_return,
                percent,
            })
        })
        .collect()
}

// The three records below are also `/api/v1/stats`'s answer, field for field: their names
// are the statistics' own, so one type serves both (`return`, a Rust keyword, is the one
// spelled differently in Rust); the schemas keep the names the API has always published.

/// The largest fall from a peak close (in percent).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
#[schema(as = DrawdownEntry, description = "The largest fall from a peak close.")]
pub struct Drawdown {
    /// 0 or negative.
    pub percent: f64,
    pub peak_date: NaiveDate,
    pub trough_date: NaiveDate,
}

/// A day's move against the previous calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
#[schema(as = DayReturnEntry)]
pub struct DayMove {
    pub date: NaiveDate,
    /// Simple return in percent.
    #[serde(rename = "return")]
    pub percent: f64,
}

/// One coin's statistics over the range; numbers are null where the data is too short.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = CoinStatsEntry)]
pub struct CoinStats {
    pub symbol: String,
    pub name: String,
    /// The coin's first and last record in the range (null when it has none there).
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
    /// Records in the range.
    pub days: usize,
    /// Daily returns in the range (consecutive days only).
    pub returns: usize,
    /// Percent, first close to last close.
    pub total_return: Option<f64>,
    /// Percent: sample standard deviation of daily log returns * sqrt(365) * 100.
    pub volatility: Option<f64>,
    pub max_drawdown: Option<Drawdown>,
    pub best_day: Option<DayMove>,
    pub worst_day: Option<DayMove>,
}

/// The statistics of `coin`'s `records` (sorted by date, ascending) and `returns` (their
/// [`daily_returns`], passed in so a caller computing a correlation does so once).
pub fn coin_stats(coin: &Currency, records: &[DailyRecord], returns: &[DailyReturn]) -> CoinStats {
    let total_return = match (records.first(), records.last()) {
        (Some(first), Some(last)) => super::percent::percent_change(last.close(), first.close()),
        _ => None,
    };
    let log_returns: Vec<f64> = returns.iter().map(|r| r.log_return).collect();
    let volatility = sample_std_dev(&log_returns)
        .map(|sd| sd * TRADING_DAYS_PER_YEAR.sqrt() * 100.0)
        .filter(|v| v.is_finite());
    let mut best: Option<DayMove> = None;
    let mut worst: Option<DayMove> = None;
    for r in returns {
        let day = DayMove {
            date: r.date,
            percent: r.percent,
        };
        // Strict comparisons keep the earliest day of a tie.
        if best.is_none_or(|b| r.percent > b.percent) {
            best = Some(day);
        }
        if worst.is_none_or(|w| r.percent < w.percent) {
            worst = Some(day);
        }
    }
    CoinStats {
        symbol: coin.symbol.to_string(),
        name: coin.name.clone(),
        first_date: records.first().map(|r| r.date()),
        last_date: records.last().map(|r| r.date()),
        days: records.len(),
        returns: returns.len(),
        total_return,
        volatility,
        max_drawdown: max_drawdown(records),
        best_day: best,
        worst_day: worst,
    }
}

/// The largest fall of a close from the highest earlier close (see the module's rules).
pub fn max_drawdown(records: &[DailyRecord]) -> Option<Drawdown> {
    let first = records.first()?;
    let mut peak = first;
    let mut worst = Drawdown {
        percent: 0.0,
        peak_date: first.date(),
        trough_date: first.date(),
    };
    for record in records {
        if record.close() > peak.close() {
            peak = record;
            continue;
        }
        if let Some(fall) = super::percent::percent_change(record.close(), peak.close()) {
            if fall < worst.percent {
                worst = Drawdown {
                    percent: fall,
                    peak_date: peak.date(),
                    trough_date: record.date(),
                };
            }
        }
    }
    Some(worst)
}

/// The sample standard deviation (divisor `n - 1`), two-pass for accuracy; `None` below 2 values.
pub fn sample_std_dev(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let squares: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    Some((squares / (n - 1.0)).sqrt())
}

/// Pearson's correlation of two equally long series; `None` below 2 values or when either
/// does not vary.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let n = x.len() as f64;
    let (mean_x, mean_y) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mean_x, b - mean_y);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    let r = sxy / (sxx.sqrt() * syy.sqrt());
    // Rounding can push |r| a hair past 1.
    r.is_finite().then_some(r.clamp(-1.0, 1.0))
}

/// The correlation matrix of coins' daily log returns over the days they all share.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    /// The shared days: every coin has a daily return on each of them.
    pub days: Vec<NaiveDate>,
    /// `matrix[i][j]`: the correlation of coin `i` with coin `j`, in the order given.
    pub matrix: Vec<Vec<Option<f64>>>,
}

/// Correlates `series` (each coin's daily returns, ascending by date).
pub fn correlation(series: &[&[DailyReturn]]) -> Correlation {
    let days: Vec<NaiveDate> = match series.split_first() {
        None => Vec::new(),
        Some((first, rest)) => first
            .iter()
            .map(|r| r.date)
            .filter(|day| {
                rest.iter()
                    .all(|s| s.binary_search_by_key(day, |r| r.date).is_ok())
            })
            .collect(),
    };
    let aligned: Vec<Vec<f64>> = series
        .iter()
        .map(|s| {
            days.iter()
                .filter_map(|day| {
                    s.binary_search_by_key(day, |r| r.date)
                        .ok()
                        .map(|i| s[i].log_return)
                })
                .collect()
        })
        .collect();
    let n = aligned.len();
    let mut matrix = vec![vec![None; n]; n];
    for i in 0..n {
        // A varying series correlates with itself exactly 1 (not 0.9999999999999998).
        matrix[i][i] = pearson(&aligned[i], &aligned[i]).map(|_| 1.0);
        for j in i + 1..n {
            let r = pearson(&aligned[i], &aligned[j]);
            matrix[i][j] = r;
            matrix[j][i] = r;
        }
    }
    Correlation { days, matrix }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{day, rec, rec_on};

    fn close_to(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12 * b.abs().max(1.0)
    }

    fn series(from: &str, closes: &[f64]) -> Vec<DailyRecord> {
        let start = day(from);
        closes
            .iter()
            .enumerate()
            .map(|(i, &c)| rec_on(start + Days::new(i as u64), c))
            .collect()
    }

    #[test]
    fn returns_skip_gaps_and_zero_closes() {
        let records = vec![
            rec("2014-06-03", 1.0),
            rec("2014-06-04", 2.0),
            rec("2014-06-06", 3.0), // after the gap on 06-05: no return
            rec("2014-06-07", 0.0), // a zero close: no return to or from it
            rec("2014-06-08", 6.0),
            rec("2014-06-09", 3.0),
        ];
        let returns = daily_returns(&records);
        let dates: Vec<NaiveDate> = returns.iter().map(|r| r.date).collect();
        assert_eq!(dates, [day("2014-06-04"), day("2014-06-09")]);
        assert!(close_to(returns[0].log_return, 2f64.ln()));
        assert_eq!(returns[0].percent, 100.0);
        assert_eq!(returns[1].percent, -50.0);
        assert!(close_to(returns[1].log_return, 0.5f64.ln()));
    }

    #[test]
    fn coin_stats_follow_the_stated_conventions() {
        // closes 100, 110, 99, 121, 88: returns +10 %, -10 %, +22.2 %, -27.27 %.
        let records = series("2021-01-01", &[100.0, 110.0, 99.0, 121.0, 88.0]);
        let returns = daily_returns(&records);
        let coin = crate::test_support::coin(1, "Bitcoin", "BTC");
        let stats = coin_stats(&coin, &records, &returns);
        assert_eq!(
            (stats.symbol.as_str(), stats.name.as_str()),
            ("BTC", "Bitcoin")
        );
        assert_eq!(stats.days, 5);
        assert_eq!(stats.returns, 4);
        assert!(close_to(stats.total_return.unwrap(), -12.0));
        let logs = [
            1.1f64.ln(),
            0.9f64.ln(),
            (121.0f64 / 99.0).ln(),
            (88.0f64 / 121.0).ln(),
        ];
        let mean = logs.iter().sum::<f64>() / 4.0;
        let var = logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / 3.0;
        let expected = var.sqrt() * 365f64.sqrt() * 100.0;
        assert!(close_to(stats.volatility.unwrap(), expected));
        let best = stats.best_day.unwrap();
        assert_eq!(best.date, day("2021-01-04"));
        assert!(close_to(best.percent, 22.0 / 99.0 * 100.0));
        let worst = stats.worst_day.unwrap();
        assert_eq!(worst.date, day("2021-01-05"));
        assert!(close_to(worst.percent, -33.0 / 121.0 * 100.0));
        let dd = stats.max_drawdown.unwrap();
        assert_eq!(
            (dd.peak_date, dd.trough_date),
            (day("2021-01-04"), day("2021-01-05"))
        );
        assert!(close_to(dd.percent, -33.0 / 121.0 * 100.0));
    }

    #[test]
    fn the_drawdown_peak_is_the_highest_close_before_the_trough() {
        // Peak 200 on day 1, trough 50 on day 3 (-75 %); the later fall 300 -> 150 is -50 %.
        let records = series("2021-01-01", &[100.0, 200.0, 120.0, 50.0, 300.0, 150.0]);
        let dd = max_drawdown(&records).unwrap();
        assert_eq!(dd.percent, -75.0);
        assert_eq!(
            (dd.peak_date, dd.trough_date),
            (day("2021-01-02"), day("2021-01-04"))
        );
        // Rising only: 0 with peak and trough on the first day.
        let up = series("2021-01-01", &[1.0, 2.0, 3.0]);
        let dd = max_drawdown(&up).unwrap();
        assert_eq!(
            (dd.percent, dd.peak_date, dd.trough_date),
            (0.0, day("2021-01-01"), day("2021-01-01"))
        );
        assert!(max_drawdown(&[]).is_none());
    }

    #[test]
    fn too_little_data_gives_none_not_nan() {
        let coin = crate::test_support::coin(1, "Bitcoin", "BTC");
        let one = series("2021-01-01", &[5.0]);
        let stats = coin_stats(&coin, &one, &daily_returns(&one));
        assert_eq!(stats.total_return, Some(0.0));
        assert_eq!(stats.volatility, None);
        assert_eq!(stats.best_day, None);
        let two = series("2021-01-01", &[5.0, 6.0]);
        let stats = coin_stats(&coin, &two, &daily_returns(&two));
        assert_eq!(stats.volatility, None, "one return has no sample deviation");
        assert_eq!(stats.best_day, stats.worst_day);
        let none = coin_stats(&coin, &[], &[]);
        assert_eq!(
            (none.days, none.total_return, none.max_drawdown),
            (0, None, None)
        );
    }

    #[test]
    fn pearson_matches_hand_computed_values() {
        assert!(close_to(
            pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]).unwrap(),
            1.0
        ));
        assert!(close_to(
            pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]).unwrap(),
            -1.0
        ));
        // x = 1,2,3,4; y = 1,3,2,4: sxy = 4, sxx = syy = 5 -> 0.8.
        assert!(close_to(
            pearson(&[1.0, 2.0, 3.0, 4.0], &[1.0, 3.0, 2.0, 4.0]).unwrap(),
            0.8
        ));
        assert_eq!(pearson(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(pearson(&[1.0], &[1.0]), None);
    }

    #[test]
    fn correlation_uses_only_the_days_every_coin_has_a_return() {
        // a: returns on 01-02..01-05; b misses 01-03 (so no return on 01-03 nor 01-04).
        let a = series("2021-01-01", &[1.0, 2.0, 1.0, 3.0, 6.0]);
        let mut b = series("2021-01-01", &[1.0, 3.0, 99.0, 1.0, 5.0]);
        b.remove(2);
        let (ra, rb) = (daily_returns(&a), daily_returns(&b));
        let c = correlation(&[&ra, &rb]);
        assert_eq!(c.days, [day("2021-01-02"), day("2021-01-05")]);
        let expected = pearson(&[2f64.ln(), 2f64.ln()], &[3f64.ln(), 5f64.ln()]);
        assert_eq!(expected, None, "a does not vary on the shared days");
        assert_eq!(c.matrix, vec![vec![None, None], vec![None, Some(1.0)]]);

        let c3 = series("2021-01-01", &[4.0, 2.0, 8.0, 2.0, 1.0]);
        let rc = daily_returns(&c3);
        let c = correlation(&[&ra, &rc]);
        assert_eq!(c.days.len(), 4);
        let x: Vec<f64> = ra.iter().map(|r| r.log_return).collect();
        let y: Vec<f64> = rc.iter().map(|r| r.log_return).collect();
        let r = pearson(&x, &y).unwrap();
        assert_eq!(c.matrix[0][1], Some(r));
        assert_eq!(c.matrix[1][0], Some(r));
        assert_eq!(c.matrix[0][0], Some(1.0));
        assert!(correlation(&[]).matrix.is_empty());
    }
}
