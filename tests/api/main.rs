//! Black-box API tests: each runs a real server on port 0 against SQLite and PostgreSQL.

// Some helpers (TestDatabase::connect, TestApp::db) serve tests on other branches.
#[allow(dead_code)]
mod helpers;

mod cache_consistency;
mod cache_reads;
mod cache_redis_outage;
mod dashboard;
mod import_sources;
mod real_data;
mod search_and_service;
mod web;
mod write_api;
