//! Black-box API tests: each runs a real server on port 0 against SQLite and PostgreSQL.

mod helpers;

mod cache_consistency;
mod cache_reads;
mod cache_redis_outage;
mod dashboard;
mod real_data;
mod search_and_service;
mod write_api;
