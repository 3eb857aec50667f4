//! One coin's prices on one day, and why a set of values cannot be one.

use chrono::NaiveDate;

use super::RecordDate;

/// One coin's prices on one calendar day (UTC). The fields are private: [`DailyRecord::new`]
/// is the only way to build one, so every record anywhere has passed its checks.
/// (`ToSchema` describes it as the write API reads it: the same fields, the same bounds.)
#[derive(Debug, Clone, Copy, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DailyRecord {
    /// The day, `YYYY-MM-DD`.
    #[schema(example = "2021-07-06")]
    date: NaiveDate,
    #[schema(minimum = 0.0, exclusive_maximum = 1e18, example = 33746.0)]
    open: f64,
    /// At least `low`.
    #[schema(minimum = 0.0, exclusive_maximum = 1e18, example = 35064.6)]
    high: f64,
    #[schema(minimum = 0.0, exclusive_maximum = 1e18, example = 33620.0)]
    low: f64,
    #[schema(minimum = 0.0, exclusive_maximum = 1e18, example = 34235.19)]
    close: f64,
    #[schema(minimum = 0.0, exclusive_maximum = 1e18, example = 26501259869.76)]
    volume: f64,
    /// 0 where unknown.
    #[schema(minimum = 0.0, exclusive_maximum = 1e18, example = 641899161593.76)]
    market_cap: f64,
}

impl DailyRecord {
    pub fn date(&self) -> NaiveDate {
        self.date
    }

    pub fn open(&self) -> f64 {
        self.open
    }

    pub fn high(&self) -> f64 {
        self.high
    }

    pub fn low(&self) -> f64 {
        self.low
    }

    pub fn close(&self) -> f64 {
        self.close
    }

    pub fn volume(&self) -> f64 {
        self.volume
    }

    /// 0 where unknown.
    pub fn market_cap(&self) -> f64 {
        self.market_cap
    }

    /// Open, high, low, close, volume, market cap: the order of the CSV files and of the
    /// stored columns.
    pub fn values(&self) -> [f64; 6] {
        let r = self;
        [r.open, r.high, r.low, r.close, r.volume, r.market_cap]
    }

    /// True when every price field is bit-for-bit the same as `other`'s (dates aside).
    /// Used to tell "unchanged" from "updated" on re-import, so it must not round.
    pub fn same_values(&self, other: &DailyRecord) -> bool {
        self.values()
            .iter()
            .zip(other.values())
            .all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

/// The numeric fields of a record, by the names used in CSV headers and error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceField {
    Open,
    High,
    Low,
    Close,
    Volume,
    MarketCap,
}

impl PriceField {
    /// The Kaggle CSV header for this field.
    pub fn csv_header(self) -> &'static str {
        match self {
            PriceField::Open => "Open",
            PriceField::High => "High",
            PriceField::Low => "Low",
            PriceField::Close => "Close",
            PriceField::Volume => "Volume",
            PriceField::MarketCap => "Marketcap",
        }
    }

    /// The JSON field name used by the write API.
    pub fn json_name(self) -> &'static str {
        match self {
            PriceField::Open => "open",
            PriceField::High => "high",
            PriceField::Low => "low",
            PriceField::Close => "close",
            PriceField::Volume => "volume",
            PriceField::MarketCap => "market_cap",
        }
    }
}

/// Why a set of values cannot be a daily record: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordViolation {
    pub field: PriceField,
    pub reason: String,
}

/// The bound every price, volume and market cap of a record stays below: a million times the
/// largest market cap ever seen. Above it a value is a typo, and sums of such values (candle volumes)
/// would overflow to infinity, which JSON cannot carry.
pub const MAX_RECORD_VALUE: f64 = 1e18;

impl DailyRecord {
    /// Builds a record, refusing non-finite, negative or absurdly large numbers and `high < low`.
    /// The importer and the write API both go through here, so they refuse exactly the same rows.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        date: RecordDate,
        open: f64,
        high: f64,
        low: f64,
        close: f64,
        volume: f64,
        market_cap: f64,
    ) -> Result<DailyRecord, RecordViolation> {
        let fields = [
            (PriceField::Open, open),
            (PriceField::High, high),
            (PriceField::Low, low),
            (PriceField::Close, close),
            (PriceField::Volume, volume),
            (PriceField::MarketCap, market_cap),
        ];
        for (field, value) in fields {
            if !value.is_finite() {
                return Err(RecordViolation {
                    field,
                    reason: format!("{value} is not a finite number"),
                });
            }
            // `>=`, not `>`: a JSON number just above the bound parses to exactly the bound.
            if value >= MAX_RECORD_VALUE {
                return Err(RecordViolation {
                    field,
                    reason: format!(
                        "{value} is not below {MAX_RECORD_VALUE:e}; no real price, volume or \
                         market cap comes near it"
                    ),
                });
            }
            if value < 0.0 {
                return Err(RecordViolation {
                    field,
                    reason: format!(
                        "{value} is negative; prices, volumes and market caps are >= 0"
                    ),
                });
            }
        }
        if high < low {
            return Err(RecordViolation {
                field: PriceField::High,
                reason: format!("high {high} is below low {low}"),
            });
        }
        Ok(DailyRecord {
            date: date.get(),
            open,
            high,
            low,
            close,
            volume,
            market_cap,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_refuse_bad_numbers() {
        let d = RecordDate::from(NaiveDate::from_ymd_opt(2021, 1, 1).unwrap());
        assert!(DailyRecord::new(d, 1.0, 2.0, 1.0, 1.5, 0.0, 0.0).is_ok());
        let e = DailyRecord::new(d, 1.0, 1.0, 2.0, 1.5, 0.0, 0.0).unwrap_err();
        assert_eq!(e.field, PriceField::High);
        let e = DailyRecord::new(d, f64::NAN, 2.0, 1.0, 1.5, 0.0, 0.0).unwrap_err();
        assert_eq!(e.field, PriceField::Open);
        let e = DailyRecord::new(d, 1.0, 2.0, 1.0, 1.5, -1.0, 0.0).unwrap_err();
        assert_eq!(e.field, PriceField::Volume);
        let e = DailyRecord::new(d, 1.0, 2.0, 1.0, 1.5, 1.7e308, 0.0).unwrap_err();
        assert_eq!(e.field, PriceField::Volume);
        assert!(e.reason.contains("not below 1e18"), "{}", e.reason);
        let e = DailyRecord::new(d, 1.0, 2.0, 1.0, 1.5, 1.0, f64::INFINITY).unwrap_err();
        assert_eq!(e.field, PriceField::MarketCap);
    }
}
