//! Tools around the server, outside its core: nothing in `http`, `store`, `analytics`,
//! `import` or `cache` uses them. `krispyto gen`, `krispyto health` (the CLI) and the
//! benchmarks do.

pub mod gen;
pub mod healthcheck;
