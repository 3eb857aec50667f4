//! Domain types shared by every way data comes in (the importer, the write API) and goes out
//! (the store, the analytics, the HTTP layer).
//!
//! Values here are already parsed and checked ("parse, don't validate"): a [`Symbol`] is
//! upper-case and well-formed, a [`CoinName`] is trimmed plain text, a [`RecordDate`] is a real
//! calendar day, and a [`DailyRecord`] — whose fields are private, so its constructor is the
//! only way to build one — has finite, non-negative numbers and `high >= low`. Everything
//! downstream, the store included, can rely on that.

mod coin;
mod date;
mod record;

pub use coin::{CoinId, CoinName, Currency, Symbol, MAX_COIN_ID_LEN, MAX_NAME_LEN, MAX_SYMBOL_LEN};
pub use date::{iso_date, push_iso_date, RecordDate, DATE_FORMAT};
pub use record::{DailyRecord, PriceField, RecordViolation, MAX_RECORD_VALUE};
