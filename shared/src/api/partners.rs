//! Partners: the ISVs and service firms that publish listings.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::str_enum;

str_enum!(
    /// How a partner goes to market with the marketplace.
    Motion {
        Technology = "technology",
        Services = "services",
        Referral = "referral",
        Reseller = "reseller",
        Influence = "influence",
    }
);

str_enum!(
    /// Partner program tier, set by marketplace admins; higher tiers rank and route first.
    Tier {
        Registered = "registered",
        Select = "select",
        Premier = "premier",
    }
);

str_enum!(
    /// Lifecycle of a partner: applications are approved by admins; suspension hides every
    /// listing of the partner from the public.
    PartnerStatus {
        Applied = "applied",
        Active = "active",
        Suspended = "suspended",
    }
);

str_enum!(
    /// Where a partner sells and serves.
    Region {
        NorthAmerica = "north_america",
        LatinAmerica = "latin_america",
        Europe = "europe",
        MiddleEastAfrica = "middle_east_africa",
        AsiaPacific = "asia_pacific",
    }
);

str_enum!(
    /// A member's role within one partner.
    PartnerRole {
        /// Edits listings and sees the partner's analytics and leads.
        Member = "member",
        /// Also edits the profile and manages members, API keys and webhooks.
        Admin = "admin",
    }
);

/// A certification awarded by the marketplace (a badge with an issue and an expiry date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Certification {
    /// e.g. "Security reviewed", "Implementation certified".
    pub name: String,
    pub issued_on: NaiveDate,
    #[serde(default)]
    pub expires_on: Option<NaiveDate>,
}

/// A partner's public profile (and, for its members and admins, its status).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Partner {
    pub slug: String,
    pub name: String,
    pub website: Option<String>,
    pub logo_url: Option<String>,
    /// Markdown source.
    pub description: String,
    /// The description rendered to sanitised HTML.
    pub description_html: String,
    pub motions: Vec<Motion>,
    pub regions: Vec<Region>,
    pub tier: Tier,
    /// Certifications that have not expired.
    pub certifications: Vec<Certification>,
    pub status: PartnerStatus,
    /// The partner has proven control of its website's domain (the "verified" badge).
    pub verified: bool,
    /// The domain proven, while verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_domain: Option<String>,
    pub published_listing_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A partner in lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerSummary {
    pub slug: String,
    pub name: String,
    pub logo_url: Option<String>,
    pub tier: Tier,
    pub status: PartnerStatus,
    pub certified: bool,
    /// Carries the "verified" badge (a proven website domain).
    pub verified: bool,
}

/// The partner a listing belongs to, as shown on the listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerRef {
    pub slug: String,
    pub name: String,
    pub tier: Tier,
    pub certified: bool,
    /// Carries the "verified" badge (a proven website domain).
    pub verified: bool,
}

/// Apply to become a partner; the applicant becomes the partner's first admin.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PartnerApplication {
    pub slug: String,
    pub name: String,
    pub website: String,
    #[serde(default)]
    pub logo_url: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub motions: Vec<Motion>,
    #[serde(default)]
    pub regions: Vec<Region>,
}

/// Fields a partner admin may change; absent fields stay as they are, `null` clears.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PartnerUpdate {
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "super::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub website: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "super::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub logo_url: Option<Option<String>>,
    pub description: Option<String>,
    pub motions: Option<Vec<Motion>>,
    pub regions: Option<Vec<Region>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetTierRequest {
    pub tier: Tier,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetCertificationsRequest {
    pub certifications: Vec<Certification>,
}

/// An optional note on a status change (approval, suspension, review outcome).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StatusNote {
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: PartnerRole,
    pub added_at: DateTime<Utc>,
}

/// Adds an existing account, by email, to the partner.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddMemberRequest {
    pub email: String,
    pub role: PartnerRole,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateMemberRequest {
    pub role: PartnerRole,
}

/// One recorded status change of a partner or listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusChange {
    pub from_status: Option<String>,
    pub to_status: String,
    /// What the change applied to: `listing`, `revision` or `partner`.
    pub subject: String,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}
