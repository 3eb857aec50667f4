//! krispyto: historical crypto prices and the analytics a price dashboard needs.
//!
//! Read top-down: `cli` (commands and settings) → `startup` (build and run the server) →
//! `http` (routes, one module per resource) → `analytics` (pure computations) → `store`
//! (every SQL statement) ← `import` (CSV files in). `domain` holds the types they share;
//! `cache` (generic, no HTTP) sits beside `store`. `tools` (`krispyto gen`, `krispyto health`) is outside the core.

pub mod analytics;
pub mod cache;
pub mod cli;
pub mod domain;
pub mod export;
pub mod http;
pub mod import;
pub mod server;
pub mod startup;
pub mod store;
pub mod sync;
pub mod telemetry;
pub mod tools;

#[cfg(test)]
pub(crate) mod test_support;
