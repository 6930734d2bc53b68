//! Signed webhooks: the endpoints partners register, the events they subscribe to, and the
//! delivery log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::str_enum;

str_enum!(
    /// What a webhook tells a partner about.
    WebhookEvent {
        /// A lead was routed to the partner.
        #[serde(rename = "lead.routed")]
        LeadRouted = "lead.routed",
        /// A lead the partner had was taken away (declined, or the SLA passed) and routed on.
        #[serde(rename = "lead.rerouted")]
        LeadRerouted = "lead.rerouted",
        /// One of the partner's leads moved (accepted, qualified, won, lost).
        #[serde(rename = "lead.status_changed")]
        LeadStatusChanged = "lead.status_changed",
        /// A workspace installed one of the partner's listings.
        #[serde(rename = "install.created")]
        InstallCreated = "install.created",
        /// A workspace uninstalled one of the partner's listings.
        #[serde(rename = "install.removed")]
        InstallRemoved = "install.removed",
        /// One of the partner's listings changed status (published, suspended, …).
        #[serde(rename = "listing.status_changed")]
        ListingStatusChanged = "listing.status_changed",
        /// A customer reviewed one of the partner's listings.
        #[serde(rename = "review.created")]
        ReviewCreated = "review.created",
    }
);

str_enum!(
    EndpointStatus {
        Active = "active",
        /// Switched off after failing persistently (or by the partner); no deliveries are sent.
        Disabled = "disabled",
    }
);

str_enum!(
    /// What a partner notice is about.
    NoticeKind {
        /// A webhook endpoint failed for a day and was switched off.
        WebhookDisabled = "webhook_disabled",
        /// The partner's verified domain stopped proving control and lost its badge.
        DomainVerificationLapsed = "domain_verification_lapsed",
    }
);

str_enum!(
    DeliveryStatus {
        /// Waiting for its next attempt.
        Pending = "pending",
        /// The receiver answered 2xx.
        Delivered = "delivered",
        /// Every retry in 24 hours failed.
        Failed = "failed",
    }
);

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookEndpoint {
    /// Where deliveries are POSTed: an `https://` URL on a public address.
    pub url: String,
    /// At least one event.
    pub events: Vec<WebhookEvent>,
    #[serde(default)]
    pub description: Option<String>,
}

/// Changes to an endpoint; absent fields stay as they are. `enabled: true` switches a
/// disabled endpoint back on (its held deliveries resume).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookEndpoint {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub events: Option<Vec<WebhookEvent>>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpoint {
    pub id: i64,
    /// The partner's slug.
    pub partner: String,
    pub url: String,
    pub description: String,
    pub events: Vec<WebhookEvent>,
    pub status: EndpointStatus,
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// When the current run of failures began; none while deliveries succeed.
    pub failing_since: Option<DateTime<Utc>>,
    pub consecutive_failures: i32,
    pub last_success_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A new endpoint (or a rotated secret): the signing secret is shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointWithSecret {
    pub endpoint: WebhookEndpoint,
    /// `whsec_…`: verify `Mercato-Signature` with it (see the API guide).
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    pub id: i64,
    pub endpoint_id: i64,
    pub event: WebhookEvent,
    /// The same for every delivery of one event: deduplicate on it.
    pub event_id: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// For a pending delivery: when it is tried next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub redelivery_of: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookAttempt {
    pub at: DateTime<Utc>,
    /// None when no response came (refused, timed out, address not allowed).
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
    /// The first KiB of the response body.
    pub response_excerpt: Option<String>,
}

/// A delivery with its payload and every attempt, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDeliveryDetail {
    pub delivery: WebhookDelivery,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    pub attempts: Vec<WebhookAttempt>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerNotice {
    pub id: i64,
    pub kind: NoticeKind,
    pub message: String,
    pub endpoint_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}
