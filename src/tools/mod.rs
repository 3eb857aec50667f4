//! Tools around the server, outside its core: nothing in `http`, `store`, `analytics`,
//! `import` or `cache` uses them. `krispyto gen` (the CLI) and the benchmarks do.

pub mod gen;
