//! Cache keys: a route and the canonical form of its PARSED query, so every spelling of one
//! question (`id=BTC,eth` and `id=eth,btc`; `date=2021-7-6` and `2021-07-06`) shares one entry.
//! The data generation is added by the cache when it looks the key up.

use std::fmt::{self, Display, Write};

/// Which answer a request asks for. Build it from the typed query, never from the raw string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    route: &'static str,
    canonical: String,
}

impl CacheKey {
    /// A key for `route` (a short fixed name such as `"dashboard"` or `"v1/markets"`),
    /// started without parameters; add them with [`CacheKey::param`] and [`CacheKey::list`].
    pub fn new(route: &'static str) -> CacheKey {
        CacheKey {
            route,
            // Built on every request, cached or not: one allocation for the usual key.
            canonical: String::with_capacity(128),
        }
    }

    /// Adds `name=value`. Give values in their normalized form (a `NaiveDate`, an enum, a
    /// number): their `Display` is what tells two requests apart. Parameters must be added in
    /// the same order on every request of a route (the handler's code fixes that order).
    pub fn param(mut self, name: &str, value: impl Display) -> CacheKey {
        self.start(name);
        // Escaped as it is formatted: no intermediate string.
        let _ = write!(Escaping(&mut self.canonical), "{value}");
        self
    }

    /// Adds a parameter whose value is a set: items are ASCII-upper-cased, sorted and
    /// de-duplicated, so `eth,BTC,btc` and `btc,eth` are the same key. Only for parameters
    /// whose answer does not depend on the order or the ASCII case of the items.
    pub fn list<I, S>(mut self, name: &str, items: I) -> CacheKey
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut items: Vec<String> = items
            .into_iter()
            .map(|item| item.as_ref().trim().to_ascii_uppercase())
            .collect();
        items.sort();
        items.dedup();
        self.start(name);
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.canonical.push(',');
            }
            // Escaping keeps `a,b` as one item apart from the two items `a` and `b`.
            escape_into(&mut self.canonical, item);
        }
        self
    }

    /// Appends `name=` (after `&` unless it is the first parameter).
    fn start(&mut self, name: &str) {
        if !self.canonical.is_empty() {
            self.canonical.push('&');
        }
        escape_into(&mut self.canonical, name);
        self.canonical.push('=');
    }

    pub fn route(&self) -> &'static str {
        self.route
    }

    /// The full key for `generation`, as stored in both cache levels.
    pub fn at_generation(&self, generation: i64) -> String {
        format!("{}?{}#g{generation}", self.route, self.canonical)
    }
}

/// Appends `raw` to `out`, percent-escaping the characters the key uses as separators, so no
/// value can forge another parameter (`,` `&` `=` `#` `%`, and control characters that would
/// garble logs).
fn escape_into(out: &mut String, raw: &str) {
    for c in raw.chars() {
        match c {
            ',' | '&' | '=' | '#' | '%' | '?' => {
                let _ = write!(out, "%{:02X}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "%u{:X};", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// A `fmt::Write` that escapes what is written into the key (see [`escape_into`]).
struct Escaping<'a>(&'a mut String);

impl Write for Escaping<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        escape_into(self.0, s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sets_and_values_cannot_forge_parameters() {
        let a = CacheKey::new("dashboard")
            .list("id", ["eth", "BTC", "btc"])
            .param("date", "2021-07-06");
        let b = CacheKey::new("dashboard")
            .list("id", [" btc", "ETH"])
            .param("date", "2021-07-06");
        assert_eq!(a, b);
        assert_eq!(
            a.at_generation(7),
            "dashboard?id=BTC,ETH&date=2021-07-06#g7"
        );
        let one_item = CacheKey::new("r").list("id", ["a,b"]);
        let two_items = CacheKey::new("r").list("id", ["a", "b"]);
        assert_ne!(one_item, two_items);
        let forged = CacheKey::new("r").param("a", "1&b=2");
        let real = CacheKey::new("r").param("a", "1").param("b", "2");
        assert_ne!(forged, real);
        assert_eq!(
            CacheKey::new("r")
                .param("q", "50%?#\n")
                .list("l", ["x=y", "a"])
                .at_generation(1),
            "r?q=50%25%3F%23%uA;&l=A,X%3DY#g1"
        );
    }
}
