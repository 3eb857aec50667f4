//! Black-box API tests: each runs a real server on port 0 against SQLite and PostgreSQL.

// Not every test module uses every helper; unused ones must not fail `clippy -D warnings`.
#[allow(dead_code)]
mod helpers;

mod dashboard;
mod real_data;
mod search_and_service;
mod web;
