//! krispyto: historical crypto prices and the analytics a price dashboard needs.
//!
//! Read top-down: `cli` (commands and settings) → `startup` (build and run the server) →
//! `http` (routes, one module per resource) → `analytics` (pure computations) → `store`
//! (every SQL statement) ← `import` (CSV files in). `domain` holds the types they share.

pub mod analytics;
pub mod cache;
pub mod cli;
pub mod domain;
pub mod export;
pub mod gen;
pub mod http;
pub mod import;
pub mod startup;
pub mod store;
pub mod sync;
pub mod telemetry;

#[cfg(test)]
pub(crate) mod test_support;
