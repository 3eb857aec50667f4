//! What names a coin: its symbol and its display name.

use std::fmt;

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

/// The longest coin name we accept.
pub const MAX_NAME_LEN: usize = 100;

/// A coin's display name: trimmed, 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CoinName(String);

impl CoinName {
    /// Parses a user- or file-supplied name. The reason completes a sentence naming the
    /// field ("Name is empty; ...").
    pub fn parse(raw: &str) -> Result<CoinName, String> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("is empty; give the coin's name".into());
        }
        if name.chars().count() > MAX_NAME_LEN {
            return Err(format!("is longer than {MAX_NAME_LEN} characters"));
        }
        // PostgreSQL cannot store NUL in text at all, and no coin's name needs a tab or any
        // other control character.
        if name.chars().any(char::is_control) {
            return Err(
                "contains a control character (such as a tab or NUL); give the name as plain text"
                    .into(),
            );
        }
        Ok(CoinName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CoinName {
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
        Self::candidates(name)
            .find(|candidate| !taken(candidate.as_str()))
            .unwrap_or_else(|| CoinId(slug(name)))
    }

    /// The ids a coin named `name` may get, in order of preference: its real CoinGecko id (or
    /// a slug of the name), then that with `-2`, `-3`, ... Endless.
    pub fn candidates(name: &str) -> impl Iterator<Item = CoinId> {
        let base = KNOWN_COIN_IDS
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, id)| (*id).to_owned())
            .unwrap_or_else(|| slug(name));
        std::iter::once(CoinId(base.clone()))
            .chain((2u64..).map(move |n| CoinId(format!("{base}-{n}"))))
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
    fn names_are_trimmed_plain_text() {
        assert_eq!(CoinName::parse(" Bitcoin ").unwrap().as_str(), "Bitcoin");
        assert!(CoinName::parse("  ").unwrap_err().contains("empty"));
        assert!(CoinName::parse(&"x".repeat(101)).is_err());
        assert!(CoinName::parse(&"x".repeat(100)).is_ok());
        for name in ["Bit\u{0}coin", "Bit\tcoin"] {
            assert!(CoinName::parse(name)
                .unwrap_err()
                .contains("control character"));
        }
    }
}
