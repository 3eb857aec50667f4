//! Domain types shared by the importer, the store, the analytics and the HTTP layer.
//!
//! Values here are already parsed and checked ("parse, don't validate"): a `Symbol` is
//! upper-case and well-formed, a `DailyRecord` has finite, non-negative numbers and
//! `high >= low`. Everything downstream can rely on that.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

/// A coin's ticker symbol, stored and compared upper-case (`BTC`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Symbol(String);

/// The longest symbol we accept; real tickers are far shorter.
pub const MAX_SYMBOL_LEN: usize = 20;

impl Symbol {
    /// Parses a user- or file-supplied symbol: trimmed, upper-cased, 1 to 20 characters of
    /// letters, digits, `.`, `-` or `_`.
    pub fn parse(raw: &str) -> Result<Symbol, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("a symbol must not be empty".into());
        }
        if trimmed.chars().count() > MAX_SYMBOL_LEN {
            return Err(format!(
                "a symbol has at most {MAX_SYMBOL_LEN} characters, '{trimmed}' has more"
            ));
        }
        if !trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(format!(
                "'{trimmed}' is not a symbol: use letters, digits, '.', '-' or '_'"
            ));
        }
        Ok(Symbol(trimmed.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A coin as stored: its database id, display name, symbol and CoinGecko-style id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency {
    pub id: i64,
    pub name: String,
    pub symbol: Symbol,
    /// The coin's id in `/api/v3` (`bitcoin`), unique.
    pub coin_id: CoinId,
}

/// A CoinGecko-style coin id (`bitcoin`, `usd-coin`): 1 to 100 characters of lowercase ASCII
/// letters, digits, `-`, `_` and `.`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CoinId(String);

/// The longest coin id we accept (CoinGecko's longest are about 60 characters).
pub const MAX_COIN_ID_LEN: usize = 100;

/// The real CoinGecko ids of the coins of the Kaggle data set, by the data's names.
/// (migrations/*/0004_coin_ids.sql sets the same ids on databases that predate ids.)
const KNOWN_COIN_IDS: [(&str, &str); 23] = [
    ("Bitcoin", "bitcoin"),
    ("Ethereum", "ethereum"),
    ("Tether", "tether"),
    ("USD Coin", "usd-coin"),
    ("Binance Coin", "binancecoin"),
    ("Cardano", "cardano"),
    ("XRP", "ripple"),
    ("Dogecoin", "dogecoin"),
    ("Polkadot", "polkadot"),
    ("Uniswap", "uniswap"),
    ("Solana", "solana"),
    ("Litecoin", "litecoin"),
    ("Chainlink", "chainlink"),
    ("Wrapped Bitcoin", "wrapped-bitcoin"),
    ("Stellar", "stellar"),
    ("TRON", "tron"),
    ("EOS", "eos"),
    ("Monero", "monero"),
    ("Crypto.com Coin", "crypto-com-chain"),
    ("Aave", "aave"),
    ("Cosmos", "cosmos"),
    ("IOTA", "iota"),
    ("NEM", "nem"),
];

impl CoinId {
    /// Parses a user-supplied id: trimmed; refused (not lower-cased) when it has upper-case
    /// letters, so what is stored is exactly what was sent.
    pub fn parse(raw: &str) -> Result<CoinId, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("an id must not be empty".into());
        }
        if trimmed.len() > MAX_COIN_ID_LEN {
            return Err(format!(
                "an id has at most {MAX_COIN_ID_LEN} characters, '{trimmed}' has more"
            ));
        }
        let well_formed = trimmed.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        }) && trimmed
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !well_formed {
            return Err(format!(
                "'{trimmed}' is not an id: use lowercase letters, digits, '-', '_' or '.', \
                 starting with a letter or digit (e.g. 'usd-coin')"
            ));
        }
        Ok(CoinId(trimmed.to_owned()))
    }

    /// The id a coin named `name` gets when none is given: its real CoinGecko id for the
    /// coins of the Kaggle data set, else a slug of the name (lowercase, every run of other
    /// characters one `-`), made unique against `taken` with `-2`, `-3`, ...
    pub fn for_name(name: &str, taken: impl Fn(&str) -> bool) -> CoinId {
        let base = KNOWN_COIN_IDS
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, id)| (*id).to_owned())
            .unwrap_or_else(|| slug(name));
        if !taken(&base) {
            return CoinId(base);
        }
        (2u64..)
            .map(|n| format!("{base}-{n}"))
            .find(|candidate| !taken(candidate))
            .map(CoinId)
            .unwrap_or(CoinId(base))
    }

    /// An id read back from the database, trusted as written.
    pub(crate) fn from_stored(id: String) -> CoinId {
        CoinId(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CoinId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lowercase ASCII letters and digits of `name`, every run of anything else one `-`, none at
/// either end, at most [`MAX_COIN_ID_LEN`] long; `coin` when nothing is left.
fn slug(name: &str) -> String {
    let mut out = String::new();
    let mut pending_dash = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    // Room for a `-N` suffix.
    out.truncate(MAX_COIN_ID_LEN - 8);
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        "coin".into()
    } else {
        out
    }
}

/// One coin's prices on one calendar day (UTC).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DailyRecord {
    pub date: NaiveDate,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
    pub market_cap: f64,
}

impl DailyRecord {
    /// True when every price field is bit-for-bit the same as `other`'s (dates aside).
    /// Used to tell "unchanged" from "updated" on re-import, so it must not round.
    pub fn same_values(&self, other: &DailyRecord) -> bool {
        self.open.to_bits() == other.open.to_bits()
            && self.high.to_bits() == other.high.to_bits()
            && self.low.to_bits() == other.low.to_bits()
            && self.close.to_bits() == other.close.to_bits()
            && self.volume.to_bits() == other.volume.to_bits()
            && self.market_cap.to_bits() == other.market_cap.to_bits()
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
        date: NaiveDate,
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
            date,
            open,
            high,
            low,
            close,
            volume,
            market_cap,
        })
    }
}

/// The calendar day format used everywhere in answers.
pub const DATE_FORMAT: &str = "%Y-%m-%d";

/// Parses `YYYY-M-D`, with or without zero padding, into a real calendar date.
pub fn parse_calendar_date(raw: &str) -> Result<NaiveDate, String> {
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
    let (y, m, d) = (
        parts[0].parse::<i32>().unwrap_or_default(),
        parts[1].parse::<u32>().unwrap_or_default(),
        parts[2].parse::<u32>().unwrap_or_default(),
    );
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| format!("'{trimmed}' is not a real calendar date"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coin_ids_are_known_ids_or_unique_slugs() {
        let none = |_: &str| false;
        assert_eq!(CoinId::for_name("XRP", none).as_str(), "ripple");
        assert_eq!(
            CoinId::for_name("Crypto.com Coin", none).as_str(),
            "crypto-com-chain"
        );
        assert_eq!(
            CoinId::for_name("  Shiba  Inu (new)! ", none).as_str(),
            "shiba-inu-new"
        );
        assert_eq!(CoinId::for_name("***", none).as_str(), "coin");
        let taken = |id: &str| id == "foo-bar" || id == "foo-bar-2";
        assert_eq!(CoinId::for_name("Foo Bar", taken).as_str(), "foo-bar-3");
        assert!(CoinId::for_name(&"x".repeat(300), none).as_str().len() <= MAX_COIN_ID_LEN);
        assert_eq!(CoinId::parse(" usd-coin ").unwrap().as_str(), "usd-coin");
        for bad in ["", "Bitcoin", "-x", "a b", "a/b", &"a".repeat(101)] {
            assert!(CoinId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn symbols_are_trimmed_and_upper_cased() {
        assert_eq!(Symbol::parse(" btc ").unwrap().as_str(), "BTC");
        assert!(Symbol::parse("").is_err());
        assert!(Symbol::parse("b c").is_err());
        assert!(Symbol::parse(&"X".repeat(21)).is_err());
    }

    #[test]
    fn dates_accept_padding_or_not_and_refuse_impossible_days() {
        let d = NaiveDate::from_ymd_opt(2021, 11, 9).unwrap();
        assert_eq!(parse_calendar_date("2021-11-9"), Ok(d));
        assert_eq!(parse_calendar_date("2021-11-09"), Ok(d));
        assert!(parse_calendar_date("2021-02-30")
            .unwrap_err()
            .contains("not a real calendar date"));
        assert!(parse_calendar_date("2021/11/09").is_err());
        assert!(parse_calendar_date("21-11-09").is_err());
        assert!(parse_calendar_date("2021-11-09x").is_err());
        assert!(parse_calendar_date("+2021-1-1").is_err());
    }

    #[test]
    fn records_refuse_bad_numbers() {
        let d = NaiveDate::from_ymd_opt(2021, 1, 1).unwrap();
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
