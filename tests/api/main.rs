//! Black-box API tests: each runs a real server on port 0 against SQLite and PostgreSQL.

mod helpers;

mod dashboard;
mod import_sources;
mod metrics;
mod openapi;
mod real_data;
mod search_and_service;
