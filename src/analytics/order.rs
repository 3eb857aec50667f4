//! How the tables (dashboard, markets) sort: a direction, text compared case-insensitively,
//! numbers with missing values last in both directions.

use std::cmp::Ordering;
use std::str::FromStr;

/// `order_type` / `order`: ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDirection {
    Asc,
    #[default]
    Desc,
}

impl SortDirection {
    /// Every accepted spelling (any case): the parser and the OpenAPI enum read this list.
    pub const SPELLINGS: &'static [(&'static str, SortDirection)] =
        &[("asc", SortDirection::Asc), ("desc", SortDirection::Desc)];

    /// `ascending` as this direction asks.
    pub fn apply(self, ascending: Ordering) -> Ordering {
        match self {
            SortDirection::Asc => ascending,
            SortDirection::Desc => ascending.reverse(),
        }
    }
}

impl FromStr for SortDirection {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let raw = raw.trim();
        SortDirection::SPELLINGS
            .iter()
            .find(|(spelling, _)| spelling.eq_ignore_ascii_case(raw))
            .map(|(_, direction)| *direction)
            .ok_or_else(|| format!("order_type '{raw}' is not supported; use asc or desc"))
    }
}

/// Compares two optional numbers for `direction`, with `None` after every number in both
/// directions (a missing change is never "the biggest" or "the smallest").
pub fn compare_nulls_last(a: Option<f64>, b: Option<f64>, direction: SortDirection) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => direction.apply(x.total_cmp(&y)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Names and symbols compare case-insensitively.
pub fn compare_text(a: &str, b: &str) -> Ordering {
    a.to_lowercase().cmp(&b.to_lowercase())
}
