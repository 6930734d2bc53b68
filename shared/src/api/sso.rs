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

/// Why a single sign-on came back refused. The callback sends the browser to
/// `/sign-in?sso_error=<code>`; the web app's pages explain each in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsoFailure {
    /// The state is unknown, used, expired or for another provider.
    StateMismatch,
    /// The provider answered with an error (the person cancelled, the app is not allowed).
    ProviderRefused,
    /// The provider refused the authorization code.
    TokenExchangeFailed,
    /// The ID token did not verify (signature, issuer, audience, expiry, nonce).
    IdTokenInvalid,
    /// The provider gave no verified email.
    EmailUnverified,
    /// An account with the email exists and has not linked this identity.
    AccountExists,
    /// The identity is linked to another account.
    IdentityTaken,
    /// The account's partner requires another provider.
    SsoRequired,
    /// The provider could not be reached.
    ProviderUnavailable,
}

impl SsoFailure {
    pub const ALL: [SsoFailure; 9] = [
        SsoFailure::StateMismatch,
        SsoFailure::ProviderRefused,
        SsoFailure::TokenExchangeFailed,
        SsoFailure::IdTokenInvalid,
        SsoFailure::EmailUnverified,
        SsoFailure::AccountExists,
        SsoFailure::IdentityTaken,
        SsoFailure::SsoRequired,
        SsoFailure::ProviderUnavailable,
    ];

    /// The `sso_error` code.
    pub fn code(self) -> &'static str {
        match self {
            SsoFailure::StateMismatch => "state_mismatch",
            SsoFailure::ProviderRefused => "provider_refused",
            SsoFailure::TokenExchangeFailed => "token_exchange_failed",
            SsoFailure::IdTokenInvalid => "id_token_invalid",
            SsoFailure::EmailUnverified => "email_unverified",
            SsoFailure::AccountExists => "account_exists",
            SsoFailure::IdentityTaken => "identity_taken",
            SsoFailure::SsoRequired => "sso_required",
            SsoFailure::ProviderUnavailable => "provider_unavailable",
        }
    }

    /// The sentence for people.
    pub fn message(self) -> &'static str {
        match self {
            SsoFailure::StateMismatch => {
                "The sign-in expired or was started in another browser. Please try again."
            }
            SsoFailure::ProviderRefused => "The provider did not sign you in.",
            SsoFailure::TokenExchangeFailed => {
                "The provider did not confirm the sign-in. Please try again."
            }
            SsoFailure::IdTokenInvalid => "The provider's answer could not be verified.",
            SsoFailure::EmailUnverified => "The provider has not verified your email address.",
            SsoFailure::AccountExists => {
                "An account with this email exists. Sign in with your password, then link the provider from your account page."
            }
            SsoFailure::IdentityTaken => "This identity is linked to another account.",
            SsoFailure::SsoRequired => {
                "Your organisation requires you to sign in with its own provider."
            }
            SsoFailure::ProviderUnavailable => {
                "The provider could not be reached. Please try again later."
            }
        }
    }

    pub fn parse(code: &str) -> Option<SsoFailure> {
        SsoFailure::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// The sentence for an `sso_error` code (a general one for codes this version does not know).
pub fn sso_error_message(code: &str) -> &'static str {
    SsoFailure::parse(code)
        .map(SsoFailure::message)
        .unwrap_or("The sign-in did not complete. Please try again.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_code_reads_back() {
        for f in SsoFailure::ALL {
            assert_eq!(SsoFailure::parse(f.code()), Some(f));
        }
        assert_eq!(
            sso_error_message("nonsense"),
            "The sign-in did not complete. Please try again."
        );
    }
}
