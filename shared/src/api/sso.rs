//! Single sign-on: OpenID Connect providers and GitHub, identities linked to accounts, and
//! partners that require their members to use one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a provider signs people in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SsoProviderKind {
    /// OpenID Connect, configured by issuer URL (discovery).
    Oidc,
    /// GitHub's OAuth apps (not OpenID Connect).
    Github,
}

/// A sign-in provider the marketplace is configured with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoProvider {
    /// Used in paths: `/api/v1/auth/sso/{id}/start`.
    pub id: String,
    /// For buttons: "Continue with {name}".
    pub name: String,
    pub kind: SsoProviderKind,
}

/// Starts a sign-in (or, when signed in with `link`, links the provider to the account).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SsoStartRequest {
    /// A path on this site to come back to (`/listings/x`); default `/`.
    #[serde(default)]
    pub return_to: Option<String>,
    /// Link the provider to the signed-in account instead of signing in (needs a token).
    #[serde(default)]
    pub link: bool,
}

/// Where to send the browser: the provider's authorization page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoStartResponse {
    pub authorize_url: String,
}

/// The one-time code the callback handed to the web app, for the session's tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SsoExchangeRequest {
    pub code: String,
}

/// A provider identity linked to the signed-in account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Identity {
    pub id: i64,
    /// The provider's id (`SsoProvider::id`).
    pub provider: String,
    /// Its name now (the id when the provider is no longer configured).
    pub provider_name: String,
    /// The email the provider vouched for at the last sign-in.
    pub email: String,
    pub linked_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A partner's single sign-on requirement: members whose email is at `domain` must sign in
/// with `provider`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerSso {
    pub required: bool,
    pub provider: Option<String>,
    pub domain: Option<String>,
}

/// Sets the requirement.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PartnerSsoRequest {
    /// A configured provider's id.
    pub provider: String,
    /// The email domain whose members must use it (`northwind.example`).
    pub domain: String,
}

/// Why a single sign-on came back refused; the web app's sign-in page explains each.
/// Sent as `/sign-in?sso_error=…`.
pub const SSO_ERRORS: &[(&str, &str)] = &[
    ("state_mismatch", "The sign-in expired or was started in another browser. Please try again."),
    ("provider_refused", "The provider did not sign you in."),
    ("token_exchange_failed", "The provider did not confirm the sign-in. Please try again."),
    ("id_token_invalid", "The provider's answer could not be verified."),
    ("email_unverified", "The provider has not verified your email address."),
    ("account_exists", "An account with this email exists. Sign in with your password, then link the provider from your account page."),
    ("identity_taken", "This identity is linked to another account."),
    ("sso_required", "Your organisation requires you to sign in with its own provider."),
    ("provider_unavailable", "The provider could not be reached. Please try again later."),
];

/// The sentence for an `sso_error` code.
pub fn sso_error_message(code: &str) -> &'static str {
    SSO_ERRORS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, m)| *m)
        .unwrap_or("The sign-in did not complete. Please try again.")
}
