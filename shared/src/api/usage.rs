//! Usage reported by partners' integrations, and partner API keys.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const MAX_BATCH: usize = 10_000;

/// "Workspace W used listing L at time T."
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UsageEvent {
    /// The workspace id (from the install token).
    pub workspace: i64,
    /// The listing's slug; it must belong to the key's partner.
    pub listing: String,
    pub occurred_at: DateTime<Utc>,
    /// What happened, free text up to 64 characters (e.g. `sync`, `alert_sent`).
    #[serde(default)]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UsageBatch {
    /// Up to 10,000 events.
    pub events: Vec<UsageEvent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectedEvent {
    /// The event's position in the batch.
    pub index: usize,
    /// `unknown_listing`, `listing_not_yours`, `unknown_workspace`, `in_future`, `too_old`,
    /// `invalid_kind`.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageReceipt {
    pub accepted: usize,
    pub rejected: Vec<RejectedEvent>,
    /// True when this answers a retry of a batch already counted (same `Idempotency-Key`).
    pub replayed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    /// The first characters of the key.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new key: the secret is in this answer only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    pub key: ApiKey,
    /// Send as `Authorization: Bearer <secret>`. It is not stored and cannot be shown again.
    pub secret: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    pub name: String,
}

/// A funnel event from the web app: a listing page view or an install-button click.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FunnelEvent {
    pub listing: String,
    #[serde(default)]
    pub source: Option<super::workspaces::InstallSource>,
}

/// Usage acknowledged but not yet in the roll-ups (admins): the folder's backlog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageStatus {
    pub pending_batches: i64,
    pub pending_events: i64,
    /// When the oldest pending batch was acknowledged.
    pub oldest_pending_at: Option<DateTime<Utc>>,
}
