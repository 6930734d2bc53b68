//! Deal registrations and partner scorecards.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::str_enum;

str_enum!(
    DealStatus {
        Active = "active",
        /// Another partner had an active registration for the account first.
        Conflict = "conflict",
        Won = "won",
        Lost = "lost",
        Withdrawn = "withdrawn",
    }
);

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterDeal {
    /// The customer's domain, e.g. `acme.com`.
    pub account_domain: String,
    pub account_name: String,
    /// Whole currency units, more than 0.
    pub value: i64,
    /// Today or later.
    pub expected_close: NaiveDate,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DealRegistration {
    pub id: i64,
    /// The registering partner's slug.
    pub partner: String,
    pub account_domain: String,
    pub account_name: String,
    pub value: i64,
    pub expected_close: NaiveDate,
    pub notes: String,
    pub status: DealStatus,
    /// For a conflict: the registration that was first.
    pub conflict_with: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// Closes a registration: `won`, `lost` or `withdrawn`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CloseDeal {
    pub status: DealStatus,
}

/// One partner's co-selling record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scorecard {
    pub partner: String,
    pub name: String,
    /// Value of its registrations that are active or won.
    pub sourced_pipeline_value: i64,
    /// Marketplace leads won and lost.
    pub leads_won: i64,
    pub leads_lost: i64,
    /// won ÷ (won + lost); none before any is closed.
    pub win_rate: Option<f64>,
    /// Median days from acceptance to win of its won leads.
    pub median_cycle_days: Option<f64>,
    /// Routed leads accepted within the SLA ÷ (accepted + breached); none without history.
    pub sla_adherence: Option<f64>,
    /// Distinct workspaces active with its listings in the last 30 days.
    pub mau: i64,
}
