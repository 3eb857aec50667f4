//! Black-box API tests: each runs a real server on port 0 against SQLite and PostgreSQL.

// Some helpers (TestDatabase::connect, TestApp::db) serve tests on other branches.
#[allow(dead_code)]
mod helpers;

mod cache_consistency;
mod cache_reads;
mod cache_redis_outage;
mod cache_v1;
mod cli_errors;
mod compression;
mod dashboard;
mod database_outage;
mod export;
mod generated_data;
mod health_check;
mod import_rename;
mod import_sources;
mod market_day;
mod metrics;
mod openapi;
mod real_data;
mod search_and_service;
mod slow_clients;
mod startup_seed;
mod sync;
mod v1_coins;
mod v1_markets;
mod v1_real_data;
mod v1_search;
mod v1_stats;
mod v3;
mod web;
mod write_api;
