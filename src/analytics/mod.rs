//! Pure computations over daily records. Nothing here touches the database or HTTP, so
//! everything is unit-tested on hand-made records.

pub mod candles;
pub mod coingecko;
pub mod coins;
pub mod dashboard;
pub mod market_day;
pub mod markets;
pub mod order;
pub mod percent;
pub mod prices;
pub mod search;
pub mod stats;

pub use order::SortDirection;
pub use percent::{as_of, percent_change, AS_OF_MAX_AGE_DAYS};
