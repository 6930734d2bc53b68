//! The audit log: security-relevant and administrative actions, for marketplace admins.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::str_enum;

str_enum!(
    /// What was done.
    AuditAction {
        /// An account signed in with its password.
        SignIn = "sign_in",
        /// A sign-in was refused (no actor; the subject is the email as typed, when it is one).
        SignInFailed = "sign_in_failed",
        /// An account signed in through a single sign-on provider (`provider` in the details).
        SsoSignIn = "sso_sign_in",
        /// A single sign-on came back refused (`provider` and `reason` in the details).
        SsoSignInFailed = "sso_sign_in_failed",
        /// A provider identity was linked to an account.
        IdentityLinked = "identity_linked",
        IdentityUnlinked = "identity_unlinked",
        /// A partner's single sign-on requirement was set or lifted.
        PartnerSsoChanged = "partner_sso_changed",
        /// An account was created.
        Registered = "registered",
        /// A session ended.
        SignedOut = "signed_out",
        /// An account's marketplace role changed.
        RoleChanged = "role_changed",
        PartnerApproved = "partner_approved",
        PartnerSuspended = "partner_suspended",
        PartnerTierChanged = "partner_tier_changed",
        PartnerCertificationsChanged = "partner_certifications_changed",
        MemberAdded = "member_added",
        MemberRoleChanged = "member_role_changed",
        MemberRemoved = "member_removed",
        /// A listing (or a revision of it) was approved.
        ListingApproved = "listing_approved",
        ListingChangesRequested = "listing_changes_requested",
        ListingDelisted = "listing_delisted",
        ListingBadgesChanged = "listing_badges_changed",
        ApiKeyCreated = "api_key_created",
        ApiKeyRevoked = "api_key_revoked",
        WebhookCreated = "webhook_created",
        WebhookDeleted = "webhook_deleted",
        WebhookSecretRotated = "webhook_secret_rotated",
        RoutingRulesChanged = "routing_rules_changed",
        CategoryCreated = "category_created",
        CategoryUpdated = "category_updated",
        CategoryDeleted = "category_deleted",
        IntegrationRequestShipped = "integration_request_shipped",
        /// A partner's domain verification succeeded (details: domain, method).
        DomainVerified = "domain_verified",
        /// A partner's verified domain lost its badge: the proof disappeared, or the website
        /// changed (details: domain, reason).
        DomainVerificationLapsed = "domain_verification_lapsed",
    }
);

str_enum!(
    /// What an action was done to.
    AuditSubjectKind {
        /// An account (subject: its id).
        User = "user",
        /// An email address as typed at a refused sign-in.
        Email = "email",
        /// A partner (subject: its slug).
        Partner = "partner",
        /// A listing (subject: its slug).
        Listing = "listing",
        /// A partner API key (subject: its id).
        ApiKey = "api_key",
        /// A webhook endpoint (subject: its id).
        Webhook = "webhook",
        /// The routing rules (no subject: there is one document).
        RoutingRules = "routing_rules",
        /// A category (subject: its slug).
        Category = "category",
        /// An integration request (subject: its id).
        IntegrationRequest = "integration_request",
    }
);

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The account that acted; none for refused sign-ins.
    pub actor_id: Option<i64>,
    /// Its display name now (none when it has no account any more).
    pub actor_name: Option<String>,
    pub action: AuditAction,
    pub subject_kind: AuditSubjectKind,
    /// The subject's id or slug (an email for a refused sign-in); none for the routing rules.
    pub subject: Option<String>,
    /// What changed: e.g. `{"from": "customer", "to": "analyst"}`.
    pub details: serde_json::Value,
    /// The client's address as the server saw it.
    pub ip: Option<String>,
}
