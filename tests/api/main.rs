//! Black-box API tests: each runs a real server on port 0 against SQLite and PostgreSQL.

// Some helpers (TestDatabase::connect, TestApp::db) serve tests on other branches.
#[allow(dead_code)]
mod helpers;

mod cache_consistency;
mod cache_reads;
mod cache_redis_outage;
mod cache_v1;
mod dashboard;
mod generated_data;
mod health_check;
mod import_sources;
mod metrics;
mod openapi;
mod real_data;
mod search_and_service;
mod startup_seed;
mod v1_coins;
mod v1_markets;
mod v1_real_data;
mod v1_search;
mod v1_stats;
mod web;
mod write_api;
