//! The data generation this instance serves: the number the database bumps in the same
//! transaction as every change. Cache keys carry it, so moving it forward retires every
//! cached answer at once, and no answer is ever looked up under an older generation again.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::store::Store;

/// The generation known to this instance. Cloning shares it.
#[derive(Clone, Debug)]
pub struct Generation(Arc<AtomicI64>);

impl Generation {
    pub fn new(start: i64) -> Generation {
        Generation(Arc::new(AtomicI64::new(start)))
    }

    pub fn current(&self) -> i64 {
        self.0.load(Ordering::Acquire)
    }

    /// Moves forward to `generation`; never back. Sources race (this instance's writes,
    /// Redis announcements, the periodic database check), and a late, older reading must not
    /// bring back answers cached under a generation that is already superseded.
    /// Returns true when the generation moved.
    pub fn advance_to(&self, generation: i64) -> bool {
        self.0.fetch_max(generation, Ordering::AcqRel) < generation
    }
}

/// Reads the generation from the database every `every`, so this instance sees changes made
/// elsewhere (another instance, `krispyto import` on a shared database) even without Redis.
pub async fn poll_database(store: Store, generation: Generation, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Logged once per outage: the database being away is reported by the requests themselves.
    let mut failing = false;
    loop {
        ticker.tick().await;
        match store.generation().await {
            Ok(found) => {
                if failing {
                    tracing::info!("the data generation can be read from the database again");
                    failing = false;
                }
                if generation.advance_to(found) {
                    tracing::debug!(generation = found, "the data changed (database check)");
                }
            }
            Err(error) => {
                if !failing {
                    tracing::warn!(%error, "cannot read the data generation from the database; cached answers stay as they are until it can");
                    failing = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_moves_forward() {
        let generation = Generation::new(3);
        assert!(generation.advance_to(5));
        assert!(!generation.advance_to(4));
        assert!(!generation.advance_to(5));
        assert_eq!(generation.current(), 5);
    }
}
