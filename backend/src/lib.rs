//! The Mercato server as a library: `main.rs` only parses the command line, and the API tests
//! start the very same application through [`startup::Application`].

pub mod analytics;
pub mod auth;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod config;
pub mod csv;
pub mod db;
pub mod domain;
pub mod entities;
pub mod error;
pub mod hashing;
pub mod http;
pub mod import;
pub mod leads;
pub mod listings;
pub mod markdown;
pub mod openapi;
pub mod outbound;
pub mod pages;
pub mod pagination;
pub mod partners;
pub mod rate_limit;
pub mod routes;
pub mod search;
pub mod seed;
pub mod sso;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod usage;
pub mod verification;
pub mod views;
pub mod webhooks;
