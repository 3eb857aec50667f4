//! Black-box API tests: each runs a real server on port 0 against SQLite and PostgreSQL.

mod helpers;

mod dashboard;
mod generated_data;
mod real_data;
mod search_and_service;
