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

/// A coin as stored: its database id, display name and symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency {
    pub id: i64,
    pub name: String,
    pub symbol: Symbol,
}

#[cfg(test)]
mod tests {
    use super::*;

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
