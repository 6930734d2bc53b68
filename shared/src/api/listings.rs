//! Listings: the integrations partners publish, and their review.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::partners::PartnerRef;
use crate::str_enum;

str_enum!(
    /// Review lifecycle of a listing: draft → in_review → published | changes_requested;
    /// published → delisted. A delisted listing can be submitted for review again.
    ListingStatus {
        Draft = "draft",
        InReview = "in_review",
        Published = "published",
        ChangesRequested = "changes_requested",
        Delisted = "delisted",
    }
);

str_enum!(
    /// Lifecycle of an edit to a published listing. The published version stays live until the
    /// revision is approved.
    RevisionState {
        Draft = "draft",
        InReview = "in_review",
        ChangesRequested = "changes_requested",
        Approved = "approved",
    }
);

str_enum!(
    PricingModel {
        Free = "free",
        Freemium = "freemium",
        Paid = "paid",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Pricing {
    pub model: PricingModel,
    /// e.g. "From $20 per seat per month; 14-day trial".
    #[serde(default)]
    pub details: Option<String>,
}

impl Default for Pricing {
    fn default() -> Self {
        Pricing {
            model: PricingModel::Free,
            details: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Screenshot {
    pub url: String,
    /// Describes the image for screen readers; required.
    pub alt: String,
}

/// The editable content of a listing, as stored for the live version and for revisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListingContent {
    pub name: String,
    pub tagline: String,
    /// Markdown source.
    pub description: String,
    /// Category slugs.
    pub categories: Vec<String>,
    /// Keywords for search and SEO, e.g. "sync invoices to slack".
    pub use_cases: Vec<String>,
    pub screenshots: Vec<Screenshot>,
    /// The "value in 10 minutes" video.
    pub video_url: Option<String>,
    pub install_url: Option<String>,
    pub pricing: Pricing,
    pub support_url: Option<String>,
    pub documentation_url: Option<String>,
    pub privacy_policy_url: Option<String>,
}

/// Creates a draft listing for a partner the caller is a member of.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateListing {
    /// Slug of the partner the listing belongs to.
    pub partner: String,
    pub slug: String,
    pub name: String,
    pub tagline: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub use_cases: Vec<String>,
    #[serde(default)]
    pub screenshots: Vec<Screenshot>,
    #[serde(default)]
    pub video_url: Option<String>,
    #[serde(default)]
    pub install_url: Option<String>,
    #[serde(default)]
    pub pricing: Pricing,
    #[serde(default)]
    pub support_url: Option<String>,
    #[serde(default)]
    pub documentation_url: Option<String>,
    #[serde(default)]
    pub privacy_policy_url: Option<String>,
}

/// Changes to a listing; absent fields stay as they are, `null` clears an optional field.
/// On a published listing the change goes into a pending revision.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ListingPatch {
    pub name: Option<String>,
    pub tagline: Option<String>,
    pub description: Option<String>,
    pub categories: Option<Vec<String>>,
    pub use_cases: Option<Vec<String>>,
    pub screenshots: Option<Vec<Screenshot>>,
    #[serde(
        default,
        deserialize_with = "super::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub video_url: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "super::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub install_url: Option<Option<String>>,
    pub pricing: Option<Pricing>,
    #[serde(
        default,
        deserialize_with = "super::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub support_url: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "super::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub documentation_url: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "super::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub privacy_policy_url: Option<Option<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryRef {
    pub slug: String,
    pub name: String,
}

/// A published listing as everyone sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Listing {
    pub slug: String,
    pub partner: PartnerRef,
    pub name: String,
    pub tagline: String,
    /// Markdown source.
    pub description: String,
    /// The description rendered to sanitised HTML.
    pub description_html: String,
    pub categories: Vec<CategoryRef>,
    pub use_cases: Vec<String>,
    pub screenshots: Vec<Screenshot>,
    pub video_url: Option<String>,
    pub install_url: Option<String>,
    pub pricing: Pricing,
    pub support_url: Option<String>,
    pub documentation_url: Option<String>,
    pub privacy_policy_url: Option<String>,
    pub badges: Vec<String>,
    /// Installs reported from outside Mercato (bulk imports).
    pub monthly_installs: i64,
    /// Workspaces that have it installed now.
    pub active_installs: i64,
    /// Average review rating, 0 without reviews.
    pub rating: f64,
    pub review_count: i64,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// A listing in lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListingSummary {
    pub slug: String,
    pub name: String,
    pub tagline: String,
    pub partner: PartnerRef,
    /// Category slugs.
    pub categories: Vec<String>,
    pub pricing: PricingModel,
    pub badges: Vec<String>,
    pub monthly_installs: i64,
    pub active_installs: i64,
    pub rating: f64,
    pub review_count: i64,
    pub status: ListingStatus,
}

/// A pending edit of a published listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revision {
    pub number: i32,
    pub state: RevisionState,
    pub content: ListingContent,
    /// The reviewer's note when changes were requested.
    pub review_note: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A listing as its partner's members and marketplace admins see it: status, the working
/// content, and any pending revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManagedListing {
    pub slug: String,
    pub partner: PartnerRef,
    pub status: ListingStatus,
    /// For a listing that was never published: the draft. Otherwise the live version.
    pub content: ListingContent,
    pub badges: Vec<String>,
    /// An edit of a published (or delisted) listing that is not live yet.
    pub pending_revision: Option<Revision>,
    /// The reviewer's note from the latest request for changes, if it is still open.
    pub review_note: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A note that goes with a review decision. Required when requesting changes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReviewDecision {
    #[serde(default)]
    pub note: Option<String>,
}

/// Something waiting for an admin's review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewQueueItem {
    pub listing_slug: String,
    pub listing_name: String,
    pub partner: PartnerRef,
    /// `new_listing` (never published, or delisted and resubmitted) or `revision`.
    pub kind: String,
    pub revision_number: Option<i32>,
    pub submitted_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetBadgesRequest {
    /// Badge slugs, e.g. `staff-pick`, `built-for-mercato`.
    pub badges: Vec<String>,
}

/// Limits on listing fields, shared with the web app's forms.
pub mod limits {
    pub const NAME_MAX: usize = 100;
    pub const TAGLINE_MAX: usize = 160;
    pub const DESCRIPTION_MAX: usize = 20_000;
    pub const CATEGORIES_MAX: usize = 5;
    pub const USE_CASES_MAX: usize = 20;
    pub const USE_CASE_MAX: usize = 80;
    pub const SCREENSHOTS_MAX: usize = 10;
    pub const ALT_MAX: usize = 250;
    pub const PRICING_DETAILS_MAX: usize = 500;
    pub const BADGES_MAX: usize = 10;
}

/// Markdown to preview as it will appear on the listing's page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MarkdownPreview {
    pub markdown: String,
}

/// The sanitised HTML the listing page would show for the Markdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenderedMarkdown {
    pub html: String,
}
