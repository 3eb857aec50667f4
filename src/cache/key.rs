//! Cache keys: a route and the canonical form of its PARSED query, so every spelling of one
//! question (`id=BTC,eth` and `id=eth,btc`; `date=2021-7-6` and `2021-07-06`) shares one entry.
//! The data generation is added by the cache when it looks the key up.

use std::fmt::Display;

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
            canonical: String::new(),
        }
    }

    /// Adds `name=value`. Give values in their normalized form (a `NaiveDate`, an enum, a
    /// number): their `Display` is what tells two requests apart. Parameters must be added in
    /// the same order on every request of a route (the handler's code fixes that order).
    pub fn param(mut self, name: &str, value: impl Display) -> CacheKey {
        let value = escape(&value.to_string());
        self.push(name, &value);
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
        // Escaping keeps `a,b` as one item apart from the two items `a` and `b`.
        let joined: Vec<String> = items.iter().map(|item| escape(item)).collect();
        self.push(name, &joined.join(","));
        self
    }

    /// Appends `name=value`; `value` is already escaped.
    fn push(&mut self, name: &str, value: &str) {
        if !self.canonical.is_empty() {
            self.canonical.push('&');
        }
        self.canonical.push_str(&escape(name));
        self.canonical.push('=');
        self.canonical.push_str(value);
    }

    pub fn route(&self) -> &'static str {
        self.route
    }

    /// The full key for `generation`, as stored in both cache levels.
    pub fn at_generation(&self, generation: i64) -> String {
        format!("{}?{}#g{generation}", self.route, self.canonical)
    }
}

/// Percent-escapes the characters the key uses as separators, so no value can forge another
/// parameter (`,` `&` `=` `#` `%`, and control characters that would garble logs).
fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            ',' | '&' | '=' | '#' | '%' | '?' => out.push_str(&format!("%{:02X}", c as u32)),
            c if c.is_control() => out.push_str(&format!("%u{:X};", c as u32)),
            c => out.push(c),
        }
    }
    out
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
    }
}
