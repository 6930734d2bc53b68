//! Accounts and sessions.

use serde::{Deserialize, Serialize};

use super::partners::PartnerRole;
use crate::str_enum;

str_enum!(
    /// The marketplace-wide role of an account. Partner roles are per partner (see `Me::partners`).
    UserRole {
        /// Signs in, installs and reviews integrations for their workspaces.
        Customer = "customer",
        /// Read-only analytics across the marketplace.
        Analyst = "analyst",
        /// Marketplace staff: reviews partners and listings, sets tiers, manages categories.
        Admin = "admin",
    }
);

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub email: String,
    /// 10 to 128 characters.
    pub password: String,
    pub display_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Issued on register, login and refresh.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// A short-lived JWT for `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Exchange it once at `/auth/refresh` for a new pair; a second use revokes the session.
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: i64,
    pub user: Me,
}

/// The signed-in account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: UserRole,
    /// Partners this account belongs to, with its role in each.
    pub partners: Vec<Membership>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Membership {
    pub partner_slug: String,
    pub partner_name: String,
    pub role: PartnerRole,
}

/// Sets an account's marketplace-wide role (admins only).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetRoleRequest {
    pub role: UserRole,
}

/// An account as admins see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: UserRole,
    pub created_at: chrono::DateTime<chrono::Utc>,
}
