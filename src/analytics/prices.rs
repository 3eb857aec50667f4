//! The amounts of a day or of a candle, as the API publishes them: the fields shared by a
//! record in another quote currency (`/api/v3`), the `latest` day of
//! `/api/v1/coins/{symbol}`, and each candle of its history.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::DailyRecord;

/// Declares a struct that opens with a day's prices, `date` to `market_cap` (the record's own
/// names, no wire renames), then its own fields. Plain fields rather than a flattened
/// [`Prices`]: utoipa describes `serde(flatten)` as an `allOf`, and these schemas list their
/// properties (as `http::v3`'s `coin_object!` does for CoinGecko's coin objects).
macro_rules! prices_object {
    ($(#[$meta:meta])* pub struct $name:ident { $($fields:tt)* }) => {
        $(#[$meta])*
        pub struct $name {
            /// The day (a candle's: its period start).
            pub date: chrono::NaiveDate,
            pub open: f64,
            pub high: f64,
            pub low: f64,
            pub close: f64,
            pub volume: f64,
            pub market_cap: f64,
            $($fields)*
        }
    };
}
pub(crate) use prices_object;

prices_object! {
    /// A record's amounts in some quote currency: US dollars as stored
    /// (`From<&DailyRecord>`), or another through a rate. Not a [`DailyRecord`]: a cross rate
    /// can carry a value past the bounds a stored record keeps to. The schema keeps the name
    /// the API has always published.
    #[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
    #[schema(as = DailyPrices, description = "One day's prices.")]
    pub struct Prices {}
}

impl From<&DailyRecord> for Prices {
    fn from(r: &DailyRecord) -> Self {
        Prices {
            date: r.date(),
            open: r.open(),
            high: r.high(),
            low: r.low(),
            close: r.close(),
            volume: r.volume(),
            market_cap: r.market_cap(),
        }
    }
}

impl Prices {
    /// Every amount divided by `rate` (a quote's close in US dollars).
    pub fn divided_by(self, rate: f64) -> Prices {
        Prices {
            date: self.date,
            open: self.open / rate,
            high: self.high / rate,
            low: self.low / rate,
            close: self.close / rate,
            volume: self.volume / rate,
            market_cap: self.market_cap / rate,
        }
    }
}
