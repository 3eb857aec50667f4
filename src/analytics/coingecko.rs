//! The rules of the CoinGecko-compatible `/api/v3` (shared/COINGECKO.md), as pure functions
//! over daily records: how a day maps onto CoinGecko's instants, which days a window or a
//! range selects, cross rates in another coin's currency, 4-day candles, all-time highs and
//! lows of the close, and changes over N days.
//!
//! The one idea behind the clock: the close, volume and market cap of day D are observed at
//! the end of D, that is at D+1 00:00:00 UTC, so everything about record D carries that
//! instant. "Now" is the end of the latest day held, L+1 00:00:00 UTC.

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};

use super::market_day::{MarketDay, Previous};
use super::percent::percent_change;
use super::prices::Prices;
use crate::domain::{iso_date, DailyRecord};

const SECS_PER_DAY: i64 = 86_400;

/// The UNIX seconds of `day` 00:00:00 UTC.
pub fn midnight_secs(day: NaiveDate) -> i64 {
    day.and_time(NaiveTime::MIN).and_utc().timestamp()
}

/// The instant record `day` is observed, D+1 00:00 UTC, in UNIX seconds.
pub fn close_secs(day: NaiveDate) -> i64 {
    midnight_secs(day) + SECS_PER_DAY
}

/// The instant record `day` is observed, in UNIX milliseconds (chart arrays).
pub fn close_ms(day: NaiveDate) -> i64 {
    close_secs(day) * 1000
}

/// The instant record `day` is observed, as CoinGecko writes `*_date` and `last_updated`:
/// `YYYY-MM-DDT00:00:00.000Z` of D+1.
pub fn close_iso(day: NaiveDate) -> String {
    // `iso_date`, not chrono's `format`: a markets table writes three of these per coin, and
    // chrono parses its format string on every call.
    match day.checked_add_days(Days::new(1)) {
        Some(next) => iso_date(next) + "T00:00:00.000Z",
        None => iso_date(day) + "T23:59:59.999Z",
    }
}

/// The `days` parameter of charts and candles: a positive whole number of days, or `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Days(u32),
    Max,
}

impl Span {
    /// `max` (any case) or a whole number from 1 to 100,000 (beyond 270 years of data).
    pub fn parse(raw: &str) -> Result<Span, String> {
        let raw = raw.trim();
        if raw.eq_ignore_ascii_case("max") {
            return Ok(Span::Max);
        }
        match raw.parse::<u32>() {
            Ok(n) if (1..=MAX_SPAN_DAYS).contains(&n) => Ok(Span::Days(n)),
            _ => Err(format!(
                "'{raw}' is not a number of days: give a whole number from 1 to {MAX_SPAN_DAYS}, \
                 or 'max'"
            )),
        }
    }

    /// The first day of the window [now − N days, now], `latest` being the last day held:
    /// the records of days `latest − N ..= latest` (N + 1 of them). `None` for `max`.
    pub fn first_day(self, latest: NaiveDate) -> Option<NaiveDate> {
        match self {
            Span::Days(n) => Some(
                latest
                    .checked_sub_days(Days::new(u64::from(n)))
                    .unwrap_or(NaiveDate::MIN),
            ),
            Span::Max => None,
        }
    }

    /// CoinGecko's candles are 4 days wide beyond 30 days (and for `max`).
    pub fn wants_four_day_candles(self) -> bool {
        match self {
            Span::Days(n) => n > 30,
            Span::Max => true,
        }
    }
}

/// The largest number of `days` accepted.
pub const MAX_SPAN_DAYS: u32 = 100_000;

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Span::Days(n) => write!(f, "{n}"),
            Span::Max => f.write_str("max"),
        }
    }
}

/// Parses a range bound: UNIX seconds (a whole number, or with a fraction that is dropped
/// toward the past), an ISO date `YYYY-MM-DD` (00:00 UTC) or `YYYY-MM-DDTHH:MM` (UTC).
/// Returns UNIX seconds.
pub fn parse_instant(raw: &str) -> Result<i64, String> {
    let raw = raw.trim();
    let bad = || {
        format!(
            "'{raw}' is not an instant: give UNIX seconds (e.g. 1625616000), a date \
             YYYY-MM-DD or a time YYYY-MM-DDTHH:MM (UTC)"
        )
    };
    if raw.is_empty() {
        return Err(bad());
    }
    if raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw
            .parse::<i64>()
            .ok()
            .filter(|s| *s <= MAX_SECS)
            .ok_or_else(bad);
    }
    if let Ok(secs) = raw.parse::<f64>() {
        if secs.is_finite() && (0.0..=MAX_SECS as f64).contains(&secs) && !raw.contains(['e', 'E'])
        {
            return Ok(secs.floor() as i64);
        }
        return Err(bad());
    }
    if raw.len() == 10 {
        let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| bad())?;
        return Ok(midnight_secs(day));
    }
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .map(|t| t.and_utc().timestamp())
        .map_err(|_| bad())
}

/// The largest instant accepted: 9999-12-31 00:00 UTC.
const MAX_SECS: i64 = 253_402_214_400;

/// The days whose observation instant (D+1 00:00 UTC) falls in `[from, to]` (UNIX seconds,
/// both ends included), or `None` when no day does. `from=2021-01-01&to=2021-01-31` gives
/// 2020-12-31 ..= 2021-01-30.
pub fn range_days(from: i64, to: i64) -> Option<(NaiveDate, NaiveDate)> {
    // Day index i (days since 1970-01-01) is observed at (i + 1) * 86400.
    let first = from.div_euclid(SECS_PER_DAY) + i64::from(from.rem_euclid(SECS_PER_DAY) != 0) - 1;
    let last = to.div_euclid(SECS_PER_DAY) - 1;
    if first > last {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    let day = |i: i64| -> Option<NaiveDate> {
        if i >= 0 {
            epoch.checked_add_days(Days::new(i as u64))
        } else {
            epoch.checked_sub_days(Days::new(i.unsigned_abs()))
        }
    };
    Some((day(first)?, day(last)?))
}

/// Parses `/coins/{id}/history`'s `date`: `dd-mm-yyyy` (CoinGecko's documented form) or
/// `yyyy-mm-dd` (the current SDKs), told apart by where the four-digit year stands.
pub fn parse_history_date(raw: &str) -> Result<NaiveDate, String> {
    let raw = raw.trim();
    let parts: Vec<&str> = raw.split('-').collect();
    let digits = parts
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if parts.len() != 3 || !digits {
        return Err(format!(
            "'{raw}' is not a date: give dd-mm-yyyy (e.g. 30-12-2017) or yyyy-mm-dd"
        ));
    }
    let (year, month, day) = match (parts[0].len(), parts[2].len()) {
        (1..=2, 4) => (parts[2], parts[1], parts[0]),
        (4, 1..=2) => (parts[0], parts[1], parts[2]),
        _ => {
            return Err(format!(
                "'{raw}' is not a date: give dd-mm-yyyy (e.g. 30-12-2017) or yyyy-mm-dd"
            ))
        }
    };
    let (Ok(y), Ok(m), Ok(d)) = (year.parse(), month.parse(), day.parse()) else {
        return Err(format!("'{raw}' is not a date"));
    };
    if parts[1].len() > 2 {
        return Err(format!("'{raw}' is not a date"));
    }
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("'{raw}' is not a real calendar date"))
}

/// The currency amounts are expressed in: US dollars (the records' own unit), or another
/// coin, whose close of the same day converts every amount.
#[derive(Debug, Clone, Copy)]
pub enum Quote<'a> {
    Usd,
    /// The quote coin's records, sorted by date.
    Coin(&'a [DailyRecord]),
}

impl Quote<'_> {
    /// How many US dollars one unit of the quote was worth on `day`: its close. `None` when
    /// the quote coin has no record that day (or a close of 0, which converts nothing).
    pub fn rate(&self, day: NaiveDate) -> Option<f64> {
        match self {
            Quote::Usd => Some(1.0),
            Quote::Coin(records) => record_on(records, day)
                .map(|r| r.close())
                .filter(|close| *close > 0.0),
        }
    }

    /// `record` with every amount (open, high, low, close, volume, market cap) in this
    /// quote, each divided by the quote's close of the record's day.
    pub fn convert(&self, record: &DailyRecord) -> Option<Prices> {
        let rate = self.rate(record.date())?;
        Some(Prices::from(record).divided_by(rate))
    }

    /// A USD amount of `day` in this quote.
    pub fn amount(&self, usd: f64, day: NaiveDate) -> Option<f64> {
        self.rate(day).map(|rate| usd / rate)
    }
}

/// The record of `day` in `records` (sorted by date).
pub fn record_on(records: &[DailyRecord], day: NaiveDate) -> Option<&DailyRecord> {
    records
        .binary_search_by_key(&day, |r| r.date())
        .ok()
        .map(|i| &records[i])
}

/// `/market_chart`'s three series: `[ms, value]` points at each record's close instant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chart {
    pub prices: Vec<(i64, f64)>,
    pub market_caps: Vec<(i64, f64)>,
    pub total_volumes: Vec<(i64, f64)>,
}

/// The chart of `records` (sorted, already cut to the window) in `quote`; a day the quote
/// cannot convert is left out of every series.
pub fn chart(records: &[DailyRecord], quote: Quote<'_>) -> Chart {
    let mut out = Chart::default();
    for record in records.iter().filter_map(|r| quote.convert(r)) {
        let at = close_ms(record.date);
        out.prices.push((at, record.close));
        out.market_caps.push((at, record.market_cap));
        out.total_volumes.push((at, record.volume));
    }
    out
}

/// One candle: `[close instant ms, open, high, low, close]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candle {
    pub at_ms: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
}

/// The candles of `records` (sorted, already cut to the window) in `quote`: one per record,
/// or, with `four_day`, one per block of 4 days counted back from `latest`
/// ([L−3..L], [L−7..L−4], …). A candle is its first day's open, the highest high, the lowest
/// low and its last day's close, stamped at the close instant of its last day. Days the
/// quote cannot convert are in no candle; a block with no record gives no candle.
pub fn candles(
    records: &[DailyRecord],
    quote: Quote<'_>,
    latest: NaiveDate,
    four_day: bool,
) -> Vec<Candle> {
    let block = |day: NaiveDate| -> i64 {
        if four_day {
            (latest - day).num_days().div_euclid(4)
        } else {
            (latest - day).num_days()
        }
    };
    let mut out: Vec<Candle> = Vec::new();
    let mut current: Option<i64> = None;
    for record in records.iter().filter_map(|r| quote.convert(r)) {
        let this = block(record.date);
        match out.last_mut() {
            Some(candle) if current == Some(this) => {
                candle.high = candle.high.max(record.high);
                candle.low = candle.low.min(record.low);
                candle.close = record.close;
                candle.at_ms = close_ms(record.date);
            }
            _ => {
                out.push(Candle {
                    at_ms: close_ms(record.date),
                    open: record.open,
                    high: record.high,
                    low: record.low,
                    close: record.close,
                });
                current = Some(this);
            }
        }
    }
    out
}

/// A close and the day it was made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DatedClose {
    pub value: f64,
    pub day: NaiveDate,
}

/// The highest and the lowest close of `records` (sorted) in `quote`, each the earliest on a
/// tie; `None` when no record converts.
pub fn close_extremes(
    records: &[DailyRecord],
    quote: Quote<'_>,
) -> Option<(DatedClose, DatedClose)> {
    let mut closes = records.iter().filter_map(|r| {
        quote.amount(r.close(), r.date()).map(|value| DatedClose {
            value,
            day: r.date(),
        })
    });
    let first = closes.next()?;
    Some(closes.fold((first, first), |(high, low), c| {
        (
            if c.value > high.value { c } else { high },
            if c.value < low.value { c } else { low },
        )
    }))
}

/// `(value − extreme) / extreme × 100`: how far the current value stands from an all-time
/// high or low, in percent.
pub fn change_from(value: f64, extreme: f64) -> Option<f64> {
    percent_change(value, extreme)
}

/// The look-backs CoinGecko reports changes over, in days: 24h, 7d, 14d, 30d, 60d, 200d, 1y.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lookback {
    H1,
    H24,
    D7,
    D14,
    D30,
    D60,
    D200,
    Y1,
}

impl Lookback {
    pub const ALL: [Lookback; 8] = [
        Lookback::H1,
        Lookback::H24,
        Lookback::D7,
        Lookback::D14,
        Lookback::D30,
        Lookback::D60,
        Lookback::D200,
        Lookback::Y1,
    ];

    /// The name in field names (`price_change_percentage_<name>`).
    pub fn name(self) -> &'static str {
        match self {
            Lookback::H1 => "1h",
            Lookback::H24 => "24h",
            Lookback::D7 => "7d",
            Lookback::D14 => "14d",
            Lookback::D30 => "30d",
            Lookback::D60 => "60d",
            Lookback::D200 => "200d",
            Lookback::Y1 => "1y",
        }
    }

    /// Days back; `None` for 1h, which daily data cannot tell.
    pub fn days(self) -> Option<u64> {
        match self {
            Lookback::H1 => None,
            Lookback::H24 => Some(1),
            Lookback::D7 => Some(7),
            Lookback::D14 => Some(14),
            Lookback::D30 => Some(30),
            Lookback::D60 => Some(60),
            Lookback::D200 => Some(200),
            Lookback::Y1 => Some(365),
        }
    }

    /// `/coins/markets`' `price_change_percentage` takes every look-back but 60d.
    pub fn parse_market(raw: &str) -> Result<Lookback, String> {
        Lookback::ALL
            .into_iter()
            .filter(|l| *l != Lookback::D60)
            .find(|l| l.name().eq_ignore_ascii_case(raw.trim()))
            .ok_or_else(|| {
                format!(
                    "'{}' is not a timeframe: use 1h, 24h, 7d, 14d, 30d, 200d or 1y",
                    raw.trim()
                )
            })
    }
}

/// The days a markets page as of `day` refers to: `day` and the day before (the price, the
/// 24h figures, and the rate of the day in another coin's currency), the day of each
/// `timeframes` change asked for, and with `sparkline` the 7 days before. Every figure reads
/// records of exact days ([`record_on`]), so these are all a query must fetch: by default
/// 2 days of every coin instead of the 13 any page could refer to (4,000 rows instead of
/// 26,000 at 2,000 coins).
pub fn reference_days(day: NaiveDate, timeframes: &[Lookback], sparkline: bool) -> Vec<NaiveDate> {
    let mut back: Vec<u64> = vec![0, 1];
    back.extend(timeframes.iter().filter_map(|t| t.days()));
    if sparkline {
        back.extend(2..=7);
    }
    back.sort_unstable();
    back.dedup();
    back.into_iter()
        .filter_map(|b| day.checked_sub_days(Days::new(b)))
        .collect()
}

/// One coin's figures as of `day` in `quote`, from its records (sorted; those around the
/// day are enough: see [`reference_days`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Figures {
    /// The record of `day`, converted; `None` without a record or a rate that day.
    pub today: Option<Prices>,
    /// The converted close and market cap of the day before.
    pub yesterday: Option<Previous>,
}

impl Figures {
    pub fn new(records: &[DailyRecord], day: NaiveDate, quote: Quote<'_>) -> Figures {
        let on = |d: Option<NaiveDate>| {
            d.and_then(|d| record_on(records, d))
                .and_then(|r| quote.convert(r))
        };
        Figures {
            today: on(Some(day)),
            yesterday: on(day.checked_sub_days(Days::new(1))).map(|y| Previous {
                close: y.close,
                market_cap: y.market_cap,
            }),
        }
    }

    /// The figures in USD of a coin's [`MarketDay`]: the same as [`Figures::new`] on its
    /// records with [`Quote::Usd`].
    pub fn of_usd_day(day: &MarketDay) -> Figures {
        Figures {
            today: Quote::Usd.convert(&day.record),
            yesterday: day.previous,
        }
    }

    /// The percent change of the close against the day before: the same as
    /// [`price_change_percentage`] over 24h.
    pub fn price_change_percentage_24h(&self) -> Option<f64> {
        percent_change(self.today?.close, self.yesterday?.close)
    }

    pub fn price_change_24h(&self) -> Option<f64> {
        Some(self.today?.close - self.yesterday?.close)
    }

    pub fn market_cap_change_24h(&self) -> Option<f64> {
        Some(self.today?.market_cap - self.yesterday?.market_cap)
    }

    pub fn market_cap_change_percentage_24h(&self) -> Option<f64> {
        percent_change(self.today?.market_cap, self.yesterday?.market_cap)
    }
}

/// The percent change of the close of `day` against the record exactly `lookback` earlier,
/// each converted on its own day; `None` if either record (or rate) is missing.
pub fn price_change_percentage(
    records: &[DailyRecord],
    day: NaiveDate,
    lookback: Lookback,
    quote: Quote<'_>,
) -> Option<f64> {
    let back = day.checked_sub_days(Days::new(lookback.days()?))?;
    let now = record_on(records, day).and_then(|r| quote.amount(r.close(), r.date()))?;
    let then = record_on(records, back).and_then(|r| quote.amount(r.close(), r.date()))?;
    percent_change(now, then)
}

/// The closes of the 8 days `day − 7 ..= day` (what `market_chart?days=7` gives), in
/// `quote`; days without a record or rate are left out.
pub fn sparkline_7d(records: &[DailyRecord], day: NaiveDate, quote: Quote<'_>) -> Vec<f64> {
    (0..=7u64)
        .rev()
        .filter_map(|back| day.checked_sub_days(Days::new(back)))
        .filter_map(|d| record_on(records, d))
        .filter_map(|r| quote.amount(r.close(), r.date()))
        .collect()
}

/// `precision`: every currency amount rounded to N decimals, or given in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    #[default]
    Full,
    Decimals(u8),
}

impl Precision {
    /// `full` or a whole number from 0 to 18.
    pub fn parse(raw: &str) -> Result<Precision, String> {
        let raw = raw.trim();
        if raw.eq_ignore_ascii_case("full") {
            return Ok(Precision::Full);
        }
        match raw.parse::<u8>() {
            Ok(n) if n <= 18 => Ok(Precision::Decimals(n)),
            _ => Err(format!(
                "'{raw}' is not a precision: give 'full' or a whole number from 0 to 18"
            )),
        }
    }

    /// `value` rounded to this many decimals through its decimal text: the number `{:.N}`
    /// shows (an exact tie goes to the even digit), read back.
    pub fn apply(self, value: f64) -> f64 {
        match self {
            Precision::Full => value,
            Precision::Decimals(n) => format!("{value:.*}", usize::from(n))
                .parse()
                .unwrap_or(value),
        }
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Precision::Full => f.write_str("full"),
            Precision::Decimals(n) => write!(f, "{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{day, rec, record};

    fn ohlc(date: &str, open: f64, high: f64, low: f64, close: f64) -> DailyRecord {
        record(date, [open, high, low, close, 10.0, 100.0])
    }

    #[test]
    fn a_markets_page_reads_only_the_days_it_refers_to() {
        let day = NaiveDate::from_ymd_opt(2021, 7, 6).unwrap();
        let back =
            |days: &[u64]| -> Vec<NaiveDate> { days.iter().map(|b| day - Days::new(*b)).collect() };
        assert_eq!(reference_days(day, &[], false), back(&[0, 1]));
        assert_eq!(
            reference_days(day, &[Lookback::H1, Lookback::H24, Lookback::Y1], false),
            back(&[0, 1, 365])
        );
        assert_eq!(
            reference_days(day, &[Lookback::D30, Lookback::D7], true),
            back(&[0, 1, 2, 3, 4, 5, 6, 7, 30])
        );
        // Every figure of a page with every timeframe and the sparkline.
        let all: Vec<Lookback> = Lookback::ALL.to_vec();
        assert_eq!(
            reference_days(day, &all, true),
            back(&[0, 1, 2, 3, 4, 5, 6, 7, 14, 30, 60, 200, 365])
        );
    }

    #[test]
    fn a_day_is_observed_at_the_next_midnight() {
        // 2021-07-06's close is seen at 2021-07-07 00:00 UTC.
        assert_eq!(close_secs(day("2021-07-06")), 1_625_616_000);
        assert_eq!(close_ms(day("2021-07-06")), 1_625_616_000_000);
        assert_eq!(close_iso(day("2021-07-06")), "2021-07-07T00:00:00.000Z");
        assert_eq!(close_iso(day("2020-12-31")), "2021-01-01T00:00:00.000Z");
    }

    #[test]
    fn windows_hold_n_plus_one_days() {
        let latest = day("2021-07-06");
        assert_eq!(Span::Days(1).first_day(latest), Some(day("2021-07-05")));
        assert_eq!(Span::Days(7).first_day(latest), Some(day("2021-06-29")));
        assert_eq!(Span::Max.first_day(latest), None);
        assert_eq!(Span::parse("MAX"), Ok(Span::Max));
        assert_eq!(Span::parse(" 90 "), Ok(Span::Days(90)));
        for bad in ["0", "-1", "abc", "", "1.5", "100001"] {
            assert!(Span::parse(bad).is_err(), "{bad}");
        }
        assert!(!Span::Days(30).wants_four_day_candles());
        assert!(Span::Days(31).wants_four_day_candles());
        assert!(Span::Max.wants_four_day_candles());
    }

    #[test]
    fn ranges_select_the_days_observed_within_them() {
        let from = parse_instant("2021-01-01").unwrap();
        let to = parse_instant("2021-01-31").unwrap();
        assert_eq!(
            range_days(from, to),
            Some((day("2020-12-31"), day("2021-01-30")))
        );
        // An instant just after midnight misses that midnight's point.
        assert_eq!(
            range_days(from + 1, to),
            Some((day("2021-01-01"), day("2021-01-30")))
        );
        assert_eq!(range_days(from + 1, from + 2), None);
        assert_eq!(parse_instant("2021-01-01T12:30"), Ok(from + 45_000));
        assert_eq!(parse_instant("1609459200"), Ok(from));
        assert_eq!(parse_instant("1609459200.9"), Ok(from));
        for bad in [
            "",
            "2021-02-30",
            "yesterday",
            "-5",
            "1e9",
            "2021-01-01T25:00",
        ] {
            assert!(parse_instant(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn history_dates_come_in_both_orders() {
        assert_eq!(parse_history_date("05-06-2014"), Ok(day("2014-06-05")));
        assert_eq!(parse_history_date("2014-06-05"), Ok(day("2014-06-05")));
        assert_eq!(parse_history_date("5-6-2014"), Ok(day("2014-06-05")));
        for bad in [
            "31-02-2021",
            "2021-13-01",
            "06/05/2014",
            "20140605",
            "05-06-14",
            "",
        ] {
            assert!(parse_history_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cross_rates_divide_by_the_quote_close_of_the_same_day() {
        let btc = vec![rec("2021-01-01", 10.0), rec("2021-01-03", 20.0)];
        let quote = Quote::Coin(&btc);
        let eth = [
            rec("2021-01-01", 5.0),
            rec("2021-01-02", 6.0),
            rec("2021-01-03", 4.0),
        ];
        let c = chart(&eth, quote);
        assert_eq!(
            c.prices,
            vec![
                (close_ms(day("2021-01-01")), 0.5),
                (close_ms(day("2021-01-03")), 0.2)
            ]
        );
        assert_eq!(c.market_caps[0].1, 5.0);
        assert_eq!(c.total_volumes[1].1, 1.0 / 20.0);
        assert_eq!(quote.rate(day("2021-01-02")), None);
        assert_eq!(Quote::Usd.rate(day("2021-01-02")), Some(1.0));
    }

    #[test]
    fn four_day_candles_are_counted_back_from_the_latest_day() {
        // Latest day 01-10: blocks [07..10], [03..06], [..02]; 01-05 is missing.
        let records: Vec<DailyRecord> = (1..=10)
            .filter(|d| *d != 5)
            .map(|d| {
                let x = f64::from(d);
                ohlc(&format!("2021-01-{d:02}"), x, x + 0.5, x - 0.5, x + 0.25)
            })
            .collect();
        let latest = day("2021-01-10");
        let out = candles(&records, Quote::Usd, latest, true);
        assert_eq!(out.len(), 3);
        assert_eq!(
            out[0],
            Candle {
                at_ms: close_ms(day("2021-01-02")),
                open: 1.0,
                high: 2.5,
                low: 0.5,
                close: 2.25
            }
        );
        assert_eq!(
            out[1],
            Candle {
                at_ms: close_ms(day("2021-01-06")),
                open: 3.0,
                high: 6.5,
                low: 2.5,
                close: 6.25
            }
        );
        assert_eq!(out[2].at_ms, close_ms(latest));
        assert_eq!((out[2].open, out[2].close), (7.0, 10.25));
        // A block with no record gives no candle; daily candles are one per record.
        let sparse = [records[0], records[8]];
        assert_eq!(candles(&sparse, Quote::Usd, latest, true).len(), 2);
        assert_eq!(candles(&records, Quote::Usd, latest, false).len(), 9);
    }

    #[test]
    fn extremes_are_the_earliest_on_ties() {
        let records = [
            rec("2021-01-01", 3.0),
            rec("2021-01-02", 1.0),
            rec("2021-01-03", 3.0),
            rec("2021-01-04", 1.0),
        ];
        let (high, low) = close_extremes(&records, Quote::Usd).unwrap();
        assert_eq!((high.value, high.day), (3.0, day("2021-01-01")));
        assert_eq!((low.value, low.day), (1.0, day("2021-01-02")));
        assert_eq!(close_extremes(&[], Quote::Usd), None);
    }

    #[test]
    fn changes_compare_with_the_record_exactly_n_days_earlier() {
        let records = [
            rec("2021-01-01", 50.0),
            rec("2021-01-07", 80.0),
            rec("2021-01-08", 100.0),
        ];
        let d = day("2021-01-08");
        assert_eq!(
            price_change_percentage(&records, d, Lookback::H24, Quote::Usd),
            Some(25.0)
        );
        assert_eq!(
            price_change_percentage(&records, d, Lookback::D7, Quote::Usd),
            Some(100.0)
        );
        assert_eq!(
            price_change_percentage(&records, d, Lookback::D14, Quote::Usd),
            None
        );
        assert_eq!(
            price_change_percentage(&records, d, Lookback::H1, Quote::Usd),
            None
        );
        let f = Figures::new(&records, d, Quote::Usd);
        assert_eq!(f.price_change_24h(), Some(20.0));
        assert_eq!(f.market_cap_change_24h(), Some(200.0));
        assert_eq!(
            sparkline_7d(&records, d, Quote::Usd),
            vec![50.0, 80.0, 100.0]
        );
        assert_eq!(Lookback::parse_market("1Y"), Ok(Lookback::Y1));
        assert!(Lookback::parse_market("60d").is_err());
    }

    #[test]
    fn precision_rounds_or_keeps_everything() {
        assert_eq!(Precision::parse("full"), Ok(Precision::Full));
        assert_eq!(Precision::parse("2"), Ok(Precision::Decimals(2)));
        assert!(Precision::parse("19").is_err());
        assert!(Precision::parse("-1").is_err());
        assert_eq!(Precision::Decimals(2).apply(34235.19345116), 34235.19);
        assert_eq!(Precision::Decimals(0).apply(2.6), 3.0);
        assert_eq!(Precision::Full.apply(0.1234), 0.1234);
    }
}
