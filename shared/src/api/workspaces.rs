//! Workspaces (customer accounts), their members and installs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::str_enum;

str_enum!(
    WorkspaceStatus {
        Active = "active",
        Churned = "churned",
    }
);

str_enum!(
    WorkspaceRole {
        /// Manages the workspace and its members.
        Owner = "owner",
        /// Installs, uninstalls and reviews integrations.
        Member = "member",
    }
);

str_enum!(
    /// Whether an install is in place.
    InstallStatus {
        Active = "active",
        Uninstalled = "uninstalled",
    }
);

str_enum!(
    /// One step in an install's history.
    InstallEventKind {
        Installed = "installed",
        Uninstalled = "uninstalled",
        Reinstalled = "reinstalled",
    }
);

str_enum!(
    /// Where an install came from (attribution).
    InstallSource {
        Search = "search",
        CategoryPage = "category_page",
        ListingPage = "listing_page",
        PartnerReferral = "partner_referral",
        InProduct = "in_product",
        Direct = "direct",
        Other = "other",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Workspace {
    pub id: i64,
    pub name: String,
    pub domain: Option<String>,
    pub plan: String,
    pub status: WorkspaceStatus,
    pub churned_at: Option<DateTime<Utc>>,
    /// The caller's role, when a member.
    pub role: Option<WorkspaceRole>,
    pub active_installs: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateWorkspace {
    pub name: String,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub plan: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateWorkspace {
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "super::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub domain: Option<Option<String>>,
    pub plan: Option<String>,
}

/// Marks a workspace churned (with the date, as a billing system knows it) or active again.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetWorkspaceStatus {
    pub status: WorkspaceStatus,
    /// Required for `churned` (may be in the past, not in the future).
    #[serde(default)]
    pub churned_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceMember {
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: WorkspaceRole,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddWorkspaceMember {
    pub email: String,
    pub role: WorkspaceRole,
}

/// Installs a listing in a workspace.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InstallRequest {
    /// The listing's slug.
    pub listing: String,
    #[serde(default = "default_source")]
    pub source: InstallSource,
    #[serde(default)]
    pub utm_source: Option<String>,
    #[serde(default)]
    pub utm_medium: Option<String>,
    #[serde(default)]
    pub utm_campaign: Option<String>,
    #[serde(default)]
    pub utm_term: Option<String>,
    #[serde(default)]
    pub utm_content: Option<String>,
}

fn default_source() -> InstallSource {
    InstallSource::Direct
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Install {
    pub id: i64,
    pub workspace_id: i64,
    pub listing: String,
    pub listing_name: String,
    pub active: bool,
    pub source: InstallSource,
    pub installed_at: DateTime<Utc>,
    pub uninstalled_at: Option<DateTime<Utc>>,
}

/// The answer to an install: where to send the user next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstallResponse {
    pub install: Install,
    /// A signed JWT (EdDSA) for the partner's service: workspace, listing, install id, expiry.
    /// Verify it with the keys at `/.well-known/jwks.json`.
    pub install_token: String,
    pub install_token_expires_at: DateTime<Utc>,
    /// The listing's install URL with `mercato_install_token=…` attached (absent when the
    /// listing has no install URL).
    pub redirect_url: Option<String>,
}
