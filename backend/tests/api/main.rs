//! API integration tests: one binary (link time matters), one module per area. Each test
//! starts the real application with a fresh database and talks HTTP to it.

mod admin;
mod adoption;
mod analytics;
mod audit;
mod auth;
mod backup;
mod categories;
mod cluster;
mod cluster_processes;
mod deals;
mod demo;
mod domain_verification;
mod errors;
mod health;
mod helpers;
mod import;
mod integration_requests;
mod leads;
mod listings;
mod members;
mod metrics;
mod migrations;
mod pages;
mod partitions;
mod partners;
mod proxies;
mod rate_limits;
mod receiver;
mod review;
mod search;
mod search_worker;
mod sso;
mod usage;
mod webhooks;
