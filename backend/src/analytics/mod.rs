//! Adoption analytics from roll-ups, never from raw events:
//!
//! - `usage_daily` (listing, day, workspace): one row per workspace active with a listing on a
//!   day — DAU is a count of rows, WAU/MAU a count of distinct workspaces over the days.
//! - `usage_last_seen` (listing, workspace → last day): the current MAU of every listing.
//! - `listing_daily` (listing, day, source): views, clicks, installs and uninstalls.
//!
//! The computations on those rows are pure functions here (`series`, `churn`, `scorecard`),
//! tested on their own; the use cases in `reports` load the rows and build the answers,
//! `export` writes them as CSV, and `funnel` counts the web app's views and clicks.

pub mod churn;
pub mod days;
pub mod export;
pub mod funnel;
pub mod reports;
pub mod scorecard;
pub mod series;
