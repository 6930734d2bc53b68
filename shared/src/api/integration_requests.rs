//! Integration requests: integrations people want that do not exist yet, with votes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::str_enum;

str_enum!(
    RequestStatus {
        Open = "open",
        /// A listing now does it; its voters were offered to the listing's partner.
        Shipped = "shipped",
    }
);

/// Who votes. Signed-in voters may leave `email` out (their account's is used).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Vote {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub contact_name: Option<String>,
    #[serde(default)]
    pub company_name: Option<String>,
    /// e.g. `acme.com`.
    #[serde(default)]
    pub company_domain: Option<String>,
    /// Agrees to be introduced to the partner when the integration ships (needs a name, a
    /// company name and domain).
    #[serde(default)]
    pub consent: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateIntegrationRequest {
    /// The tool to integrate with, e.g. "Pipedrive".
    pub tool: String,
    /// What the integration should do.
    pub use_case: String,
    /// The requester's vote.
    #[serde(default)]
    pub vote: Vote,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntegrationRequest {
    pub id: i64,
    pub tool: String,
    pub use_case: String,
    pub votes: i64,
    pub status: RequestStatus,
    /// The listing that shipped it.
    pub listing: Option<String>,
    pub created_at: DateTime<Utc>,
    pub shipped_at: Option<DateTime<Utc>>,
}

/// Links a request to the listing that now does it (admins).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ShipRequest {
    pub listing: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shipped {
    pub request: IntegrationRequest,
    /// Leads made of the consenting voters, routed to the listing's partner.
    pub leads_created: usize,
}
