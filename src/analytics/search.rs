//! Ranked coin search for `/api/v1/search`: exact, then prefix, then substring, then
//! typo-tolerant matches on the symbol or the name, all case-insensitive.

use std::cmp::Ordering;

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Currency;

/// The largest edit distance a typo-tolerant match may have.
pub const MAX_EDIT_DISTANCE: usize = 2;
/// Queries shorter than this get no typo-tolerant matches: with 3 letters, 2 edits match
/// almost anything.
pub const FUZZY_MIN_QUERY_CHARS: usize = 4;

/// How the query matched, best first: exact symbol or name, prefix, substring, or within 2
/// typos. (Serialized as the lower-case name, `exact` ... `fuzzy`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    /// The symbol or the name equals the query (the name also ignoring spaces and
    /// punctuation, so `binancecoin` finds `Binance Coin`).
    Exact,
    /// The symbol or the name starts with the query.
    Prefix,
    /// The symbol or the name contains the query.
    Substring,
    /// The symbol or the name is within [`MAX_EDIT_DISTANCE`] edits of the query.
    Fuzzy,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchMatch<'a> {
    pub currency: &'a Currency,
    pub kind: MatchKind,
    /// The edit distance for a fuzzy match, 0 otherwise.
    pub distance: usize,
}

/// The coins matching `query` (trimmed, any case), best first, at most `limit`.
///
/// Order: kind of match (exact, prefix, substring, fuzzy), then edit distance (fuzzy),
/// then name (case-insensitive), then symbol.
pub fn search<'a>(currencies: &'a [Currency], query: &str, limit: usize) -> Vec<SearchMatch<'a>> {
    let query = query.trim().to_lowercase();
    if query.is_empty() {
        return Vec::new();
    }
    let squashed_query = squash(&query);
    let fuzzy = query.chars().count() >= FUZZY_MIN_QUERY_CHARS;
    let mut matches: Vec<SearchMatch<'a>> = currencies
        .iter()
        .filter_map(|currency| {
            let symbol = currency.symbol.as_str().to_lowercase();
            let name = currency.name.to_lowercase();
            let (kind, distance) = if symbol == query
                || name == query
                || (!squashed_query.is_empty() && squash(&name) == squashed_query)
            {
                (MatchKind::Exact, 0)
            } else if symbol.starts_with(&query) || name.starts_with(&query) {
                (MatchKind::Prefix, 0)
            } else if symbol.contains(&query) || name.contains(&query) {
                (MatchKind::Substring, 0)
            } else if fuzzy {
                let distance = levenshtein(&query, &symbol).min(levenshtein(&query, &name));
                if distance > MAX_EDIT_DISTANCE {
                    return None;
                }
                (MatchKind::Fuzzy, distance)
            } else {
                return None;
            };
            Some(SearchMatch {
                currency,
                kind,
                distance,
            })
        })
        .collect();
    matches.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then(a.distance.cmp(&b.distance))
            .then_with(|| compare_names(a.currency, b.currency))
    });
    matches.truncate(limit);
    matches
}

fn compare_names(a: &Currency, b: &Currency) -> Ordering {
    a.name
        .to_lowercase()
        .cmp(&b.name.to_lowercase())
        .then_with(|| a.symbol.cmp(&b.symbol))
}

/// Exact, case-insensitive: the name first, then the symbol, then the name ignoring spaces
/// and punctuation (`binancecoin` finds `Binance Coin`).
pub fn find_currency<'a>(currencies: &'a [Currency], wanted: &str) -> Option<&'a Currency> {
    let lower = wanted.to_lowercase();
    let squashed = squash(wanted);
    currencies
        .iter()
        .find(|c| c.name.to_lowercase() == lower)
        .or_else(|| {
            currencies
                .iter()
                .find(|c| c.symbol.as_str().eq_ignore_ascii_case(wanted))
        })
        .or_else(|| {
            (!squashed.is_empty())
                .then(|| currencies.iter().find(|c| squash(&c.name) == squashed))
                .flatten()
        })
}

/// Lower-case letters and digits only.
fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The Levenshtein distance (insertions, deletions, substitutions) between two strings, by
/// characters (`strsim` counts chars, not bytes).
pub fn levenshtein(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::coin;

    fn coins() -> Vec<Currency> {
        vec![
            coin(1, "Bitcoin", "BTC"),
            coin(2, "Wrapped Bitcoin", "WBTC"),
            coin(3, "Ethereum", "ETH"),
            coin(4, "Binance Coin", "BNB"),
            coin(5, "Tether", "USDT"),
            coin(6, "USD Coin", "USDC"),
            coin(7, "Bitcoin Cash", "BCH"),
        ]
    }

    fn found(query: &str, limit: usize) -> Vec<(String, MatchKind)> {
        let coins = coins();
        search(&coins, query, limit)
            .into_iter()
            .map(|m| (m.currency.symbol.to_string(), m.kind))
            .collect()
    }

    fn pairs(expected: &[(&str, MatchKind)]) -> Vec<(String, MatchKind)> {
        expected.iter().map(|(s, k)| (s.to_string(), *k)).collect()
    }

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("", ""), 0);
        assert_eq!(levenshtein("abc", ""), 3);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("etherium", "ethereum"), 1);
        assert_eq!(levenshtein("btcion", "bitcoin"), 3);
        assert_eq!(levenshtein("é", "e"), 1, "by characters, not bytes");
    }

    #[test]
    fn exact_then_prefix_then_substring() {
        use MatchKind::*;
        assert_eq!(
            found("bitcoin", 10),
            pairs(&[("BTC", Exact), ("BCH", Prefix), ("WBTC", Substring)])
        );
        assert_eq!(
            found("BTC", 10),
            pairs(&[("BTC", Exact), ("WBTC", Substring)])
        );
        assert_eq!(
            found(" usd ", 10),
            pairs(&[("USDT", Prefix), ("USDC", Prefix)])
        );
        assert_eq!(found("binancecoin", 10), pairs(&[("BNB", Exact)]));
        assert_eq!(found("coin", 10).len(), 5);
    }

    #[test]
    fn typos_match_from_four_characters_within_two_edits() {
        use MatchKind::*;
        assert_eq!(found("etherium", 10), pairs(&[("ETH", Fuzzy)]));
        assert_eq!(found("bitcion", 10), pairs(&[("BTC", Fuzzy)]), "2 edits");
        assert_eq!(found("bitxxyn", 10), pairs(&[]), "3 edits");
        assert!(
            found("bnc", 10).is_empty(),
            "3 characters: no typo tolerance"
        );
        // Closer typos first: "tethr" is 1 edit from "tether".
        let coins = vec![coin(1, "Tethar", "TTA"), coin(2, "Tether", "USDT")];
        let order: Vec<(&str, usize)> = search(&coins, "tethr", 10)
            .iter()
            .map(|m| (m.currency.name.as_str(), m.distance))
            .collect();
        assert_eq!(order, [("Tethar", 1), ("Tether", 1)]);
        let order: Vec<(&str, usize)> = search(&coins, "tetherr", 10)
            .iter()
            .map(|m| (m.currency.name.as_str(), m.distance))
            .collect();
        assert_eq!(order, [("Tether", 1), ("Tethar", 2)]);
    }

    #[test]
    fn limit_and_blank_queries() {
        assert_eq!(found("coin", 2).len(), 2);
        assert!(found("   ", 10).is_empty());
        assert!(found("dogecoin", 10).is_empty());
    }
}
