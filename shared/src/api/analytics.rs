//! Adoption analytics.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::str_enum;

str_enum!(
    Interval {
        Day = "day",
        Week = "week",
        Month = "month",
    }
);

/// One bucket (a day, an ISO week from Monday, or a calendar month) of a listing's series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListingPoint {
    /// First day of the bucket (clipped to the requested range).
    pub start: NaiveDate,
    pub installs: i64,
    pub uninstalls: i64,
    /// Active installs at the end of the bucket.
    pub active_installs: i64,
    /// Distinct workspaces active in the bucket (DAU for days, WAU for weeks, calendar-month
    /// MAU for months).
    pub active_workspaces: i64,
    /// Distinct workspaces active in the 30 days ending with the bucket's last day.
    pub mau: i64,
    /// `mau / active_installs` at the end of the bucket (0 without installs).
    pub adoption: f64,
    pub views: i64,
    pub clicks: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceCount {
    pub source: String,
    pub views: i64,
    pub clicks: i64,
    pub installs: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Funnel {
    pub views: i64,
    pub clicks: i64,
    pub installs: i64,
    /// clicks / views (0 without views).
    pub click_rate: f64,
    /// installs / clicks (0 without clicks).
    pub install_rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListingAnalytics {
    pub listing: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub interval: Interval,
    pub series: Vec<ListingPoint>,
    pub funnel: Funnel,
    pub sources: Vec<SourceCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdoptionRow {
    pub listing: String,
    pub name: String,
    pub partner: String,
    /// Distinct workspaces active in the 30 days ending `as_of`.
    pub mau: i64,
    pub active_installs: i64,
    pub adoption: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdoptionRanking {
    pub as_of: NaiveDate,
    pub rows: Vec<AdoptionRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChurnBucket {
    /// `0`, `1`, `2` or `3+` active integrations at the start of the period.
    pub integrations: String,
    /// Workspaces active at the start of the period with that many integrations.
    pub workspaces: i64,
    /// Of those, churned during the period.
    pub churned: i64,
    pub churn_rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChurnReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub buckets: Vec<ChurnBucket>,
}
