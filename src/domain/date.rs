//! The calendar day a record is for.
//!
//! One type, three ways in, each the documented form of its source:
//! - [`RecordDate::parse`]: `YYYY-MM-DD` exactly — the write API (its OpenAPI says
//!   `format: date`) and every answer;
//! - [`RecordDate::parse_unpadded`]: `YYYY-M-D`, zero padding optional — query parameters,
//!   because the original client sends `date=2021-7-6` (shared/SPEC.md);
//! - the importer's own parse (`import::csv`), which also takes the Kaggle files'
//!   `YYYY-MM-DD HH:MM:SS` and keeps the date part.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// The calendar day format used everywhere in answers.
pub const DATE_FORMAT: &str = "%Y-%m-%d";

/// A real calendar day (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RecordDate(NaiveDate);

impl RecordDate {
    /// `YYYY-MM-DD`, zero-padded, a real day.
    pub fn parse(raw: &str) -> Result<RecordDate, String> {
        let bytes = raw.as_bytes();
        let well_formed = bytes.len() == 10
            && bytes.iter().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    *b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        well_formed
            .then(|| ymd(&raw[..4], &raw[5..7], &raw[8..]))
            .flatten()
            .ok_or_else(|| format!("'{raw}' is not a real date in the form YYYY-MM-DD"))
    }

    /// `YYYY-M-D`, with or without zero padding, a real day; blanks around it are ignored.
    pub fn parse_unpadded(raw: &str) -> Result<RecordDate, String> {
        let trimmed = raw.trim();
        let parts: Vec<&str> = trimmed.split('-').collect();
        let well_formed = parts.len() == 3
            && parts[0].len() == 4
            && (1..=2).contains(&parts[1].len())
            && (1..=2).contains(&parts[2].len())
            && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()));
        if !well_formed {
            return Err(format!("'{trimmed}' is not a date in the form YYYY-MM-DD"));
        }
        ymd(parts[0], parts[1], parts[2])
            .ok_or_else(|| format!("'{trimmed}' is not a real calendar date"))
    }

    pub fn get(self) -> NaiveDate {
        self.0
    }
}

/// `YYYY-MM-DD`, written digit by digit: chrono's formatter parses its format string on
/// every call, which shows at millions of rows
/// (exports, bulk inserts).
pub fn push_iso_date(date: NaiveDate, out: &mut Vec<u8>) {
    let year = date.year();
    if !(0..=9999).contains(&year) {
        out.extend_from_slice(date.format("%Y-%m-%d").to_string().as_bytes());
        return;
    }
    let (year, month, day) = (year as u32, date.month(), date.day());
    out.extend_from_slice(&[
        b'0' + (year / 1000) as u8,
        b'0' + (year / 100 % 10) as u8,
        b'0' + (year / 10 % 10) as u8,
        b'0' + (year % 10) as u8,
        b'-',
        b'0' + (month / 10) as u8,
        b'0' + (month % 10) as u8,
        b'-',
        b'0' + (day / 10) as u8,
        b'0' + (day % 10) as u8,
    ]);
}

/// [`push_iso_date`] as a `String`.
pub fn iso_date(date: NaiveDate) -> String {
    let mut out = Vec::with_capacity(10);
    push_iso_date(date, &mut out);
    // Only ASCII digits and dashes, or chrono's own text.
    String::from_utf8(out).unwrap_or_else(|_| date.format(DATE_FORMAT).to_string())
}

/// The day from its digits (already checked to be digits), if it exists.
fn ymd(year: &str, month: &str, day: &str) -> Option<RecordDate> {
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
        .map(RecordDate)
}

/// Every `NaiveDate` is a real day: dates computed from others (or read back from the store)
/// need no parsing.
impl From<NaiveDate> for RecordDate {
    fn from(date: NaiveDate) -> RecordDate {
        RecordDate(date)
    }
}

impl From<RecordDate> for NaiveDate {
    fn from(date: RecordDate) -> NaiveDate {
        date.0
    }
}

impl fmt::Display for RecordDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> RecordDate {
        RecordDate(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    #[test]
    fn iso_dates_are_what_chrono_writes_and_parse_back() {
        for (y, m, d) in [
            (2021, 7, 6),
            (1, 1, 1),
            (999, 12, 31),
            (9999, 12, 31),
            (10_000, 1, 1),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(iso_date(date), date.format(DATE_FORMAT).to_string());
        }
        let date = NaiveDate::from_ymd_opt(2013, 4, 29).unwrap();
        assert_eq!(RecordDate::parse(&iso_date(date)), Ok(RecordDate(date)));
    }

    #[test]
    fn the_write_form_is_padded_iso() {
        assert_eq!(RecordDate::parse("2021-11-09"), Ok(day(2021, 11, 9)));
        for refused in [
            "2021-11-9",
            "2021-02-30",
            "2021-11-09 00:00:00",
            " 2021-11-09",
            "2021/11/09",
            "+2021-11-09",
        ] {
            let reason = RecordDate::parse(refused).unwrap_err();
            assert!(reason.contains("YYYY-MM-DD"), "{refused}: {reason}");
        }
    }

    #[test]
    fn query_dates_accept_padding_or_not_and_refuse_impossible_days() {
        let d = day(2021, 11, 9);
        assert_eq!(RecordDate::parse_unpadded("2021-11-9"), Ok(d));
        assert_eq!(RecordDate::parse_unpadded(" 2021-11-09 "), Ok(d));
        assert!(RecordDate::parse_unpadded("2021-02-30")
            .unwrap_err()
            .contains("not a real calendar date"));
        assert!(RecordDate::parse_unpadded("2021/11/09").is_err());
        assert!(RecordDate::parse_unpadded("21-11-09").is_err());
        assert!(RecordDate::parse_unpadded("2021-11-09x").is_err());
        assert!(RecordDate::parse_unpadded("+2021-1-1").is_err());
    }
}
