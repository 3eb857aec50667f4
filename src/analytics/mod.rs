//! Pure computations over daily records. Nothing here touches the database or HTTP, so
//! everything is unit-tested on hand-made records.

pub mod dashboard;
pub mod percent;

pub use percent::{as_of, percent_change, AS_OF_MAX_AGE_DAYS};
