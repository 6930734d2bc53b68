//! Leads (demand captured on the marketplace) and the rules that route them to partners.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::partners::Region;
use crate::str_enum;

str_enum!(
    LeadKind {
        /// An introduction to the partner behind a listing.
        Intro = "intro",
        /// Help implementing an integration, from a services partner.
        ImplementationHelp = "implementation_help",
        Other = "other",
    }
);

str_enum!(
    LeadStatus {
        /// Waiting for the partner it was routed to to accept it.
        Routed = "routed",
        /// No partner matched; admins see it.
        Unroutable = "unroutable",
        Accepted = "accepted",
        Qualified = "qualified",
        Won = "won",
        Lost = "lost",
    }
);

str_enum!(
    /// How one hand-over of a lead ended (or that it is still open).
    RouteOutcome {
        /// The partner holds the lead and has not answered yet.
        Open = "open",
        Accepted = "accepted",
        Declined = "declined",
        /// The SLA ran out before the partner accepted.
        Breached = "breached",
    }
);

/// A lead as submitted from the marketplace (anonymous or signed in).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateLead {
    pub kind: LeadKind,
    /// The listing's slug; required for `intro`.
    #[serde(default)]
    pub listing: Option<String>,
    /// A category slug, for implementation help without a listing.
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub region: Option<Region>,
    pub contact_name: String,
    pub email: String,
    pub company_name: String,
    /// e.g. `acme.com`.
    pub company_domain: String,
    pub message: String,
    /// The contact agrees that the partner it is routed to may contact them. Required.
    pub consent: bool,
    /// Left empty by people; a form field hidden from them (a honeypot for bots).
    #[serde(default)]
    pub website: Option<String>,
}

/// What the submitter is told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadReceipt {
    pub id: i64,
    pub status: LeadStatus,
    /// The partner's name, once routed.
    pub partner_name: Option<String>,
    /// True when this joined an earlier lead of the same email for the same listing that day.
    pub merged: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lead {
    pub id: i64,
    pub kind: LeadKind,
    pub listing: Option<String>,
    pub category: Option<String>,
    pub region: Option<Region>,
    pub contact_name: String,
    pub email: String,
    pub company_name: String,
    pub company_domain: String,
    pub message: String,
    pub status: LeadStatus,
    /// The partner it is routed to (slug).
    pub partner: Option<String>,
    pub routed_at: Option<DateTime<Utc>>,
    /// When the routed partner must have accepted it.
    pub sla_due_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// When it was won or lost.
    pub closed_at: Option<DateTime<Utc>>,
    /// The deal's value in whole currency units (won leads).
    pub deal_value: Option<i64>,
    pub lost_reason: Option<String>,
    /// How many later submissions were merged into it.
    pub merged_count: i32,
    pub created_at: DateTime<Utc>,
}

/// A partner turning a routed lead down: it goes to the next eligible partner at once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeclineLead {
    pub reason: String,
}

/// A step along the pipeline: accepted → qualified → won | lost (lost also from accepted).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MoveLead {
    pub status: LeadStatus,
    /// Required for `won`: the deal's value in whole currency units.
    #[serde(default)]
    pub deal_value: Option<i64>,
    /// Required for `lost`.
    #[serde(default)]
    pub reason: Option<String>,
}

/// One move of a lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadEvent {
    /// None for the submission.
    pub from: Option<LeadStatus>,
    pub to: LeadStatus,
    /// The partner holding the lead after the move.
    pub partner: Option<String>,
    /// Who moved it; none for the system (an SLA breach).
    pub actor_id: Option<i64>,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// One routing decision: to whom, why, and how it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadRoute {
    pub partner: String,
    /// The rule that applied and the candidates in order, with what ordered them.
    pub reason: serde_json::Value,
    pub outcome: RouteOutcome,
    pub routed_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A lead with its routing history (admins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadDetail {
    pub lead: Lead,
    /// The latest routing decision and its reasons (also when no partner qualified).
    pub decision: serde_json::Value,
    pub routes: Vec<LeadRoute>,
    pub events: Vec<LeadEvent>,
}

/// A services partner's offer of implementation help.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ServicesRule {
    /// The partner's slug.
    pub partner: String,
    /// Category slugs it helps with; empty for all.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Regions it serves; empty for all.
    #[serde(default)]
    pub regions: Vec<Region>,
}

/// How leads are routed (admins edit the whole document at once).
///
/// - `intro` leads go to the listing's partner.
/// - `implementation_help` leads go to one of the active partners of `implementation_help`
///   whose categories and regions match, ordered by current certification, tier, SLA record
///   (share of routed leads accepted in time), then open-lead load, and in turn among equals
///   (the one routed to least recently first).
/// - `other` leads go to the `other` partner, if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RoutingRules {
    /// Hours a partner has to accept a routed lead before it goes to the next one.
    pub sla_hours: u32,
    #[serde(default)]
    pub implementation_help: Vec<ServicesRule>,
    /// The partner (slug) for `other` leads; none leaves them to admins.
    #[serde(default)]
    pub other: Option<String>,
}

impl Default for RoutingRules {
    fn default() -> Self {
        RoutingRules {
            sla_hours: 24,
            implementation_help: Vec::new(),
            other: None,
        }
    }
}
