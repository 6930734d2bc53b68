//! Reviews of listings by workspaces that installed them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Review {
    pub id: i64,
    pub listing: String,
    pub workspace_name: String,
    pub author_name: Option<String>,
    pub rating: u8,
    pub body: String,
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    /// Only admins see hidden reviews.
    pub hidden: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateReview {
    /// The reviewing workspace (it must have, or have had, the listing installed).
    pub workspace: i64,
    /// 1 to 5.
    pub rating: u8,
    pub body: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateReview {
    pub rating: Option<u8>,
    pub body: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReplyToReview {
    pub body: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HideReview {
    #[serde(default)]
    pub reason: Option<String>,
}
