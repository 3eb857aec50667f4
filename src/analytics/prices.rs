//! The amounts of a day or of a candle, as the API publishes them: the one shape shared by
//! a record in another quote currency (`/api/v3`), the `latest` day of
//! `/api/v1/coins/{symbol}`, and each candle of its history.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::DailyRecord;

/// A record's amounts in some quote currency: US dollars as stored (`From<&DailyRecord>`),
/// or another through a rate; or a candle's, folded from several records. Not a
/// [`DailyRecord`]: a cross rate can carry a value past the bounds a stored record keeps to,
/// and a candle's volume is a sum. The names are the record's own, no wire renames; the
/// schema keeps the name the API has always published.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
#[schema(
    as = DailyPrices,
    description = "One day's prices (a candle's: open the first day's, close and market cap \
        the last day's, high the maximum, low the minimum, volume the sum)."
)]
pub struct Prices {
    /// The day; a candle's period start.
    pub date: NaiveDate,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
    pub market_cap: f64,
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
