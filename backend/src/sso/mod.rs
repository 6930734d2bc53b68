//! Single sign-on: the authorization-code flow with PKCE (the `oauth2` crate) against OpenID
//! Connect providers configured by issuer URL (discovery, ID tokens verified against the
//! provider's JWKS) and against GitHub's OAuth apps (profile and verified email from its API).
//!
//! The flow, browser-side: the web app asks `start` for the provider's authorization URL and
//! goes there; the provider sends the browser back to `callback`, which checks the `state`
//! (single use), exchanges the code with the PKCE verifier, verifies what the provider says,
//! finds or creates the account (`accounts`), and sends the browser to the web app with a
//! one-time hand-over code, which the web app exchanges for the session's tokens.

pub mod accounts;
pub mod flow;
pub mod github;
pub mod identities;
pub mod oidc;
pub mod requirement;

use std::sync::Arc;
use std::time::Duration;

use mercato_shared::api::sso::{SsoProvider, SsoProviderKind};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, ClientId, ClientSecret, EndpointNotSet, EndpointSet, ExtraTokenFields,
    RedirectUrl, StandardRevocableToken, StandardTokenResponse, TokenUrl,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::config::{SsoKind, SsoProviderSettings};

pub use mercato_shared::api::sso::SsoFailure;

/// What a provider vouched for about the person signing in.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The provider's stable id for them.
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
}

/// The token endpoint's answer, with the ID token OpenID Connect adds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdTokenField {
    #[serde(default)]
    pub id_token: Option<String>,
}
impl ExtraTokenFields for IdTokenField {}

pub type TokenAnswer = StandardTokenResponse<IdTokenField, BasicTokenType>;

/// An `oauth2` client with its authorization and token endpoints set.
pub type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    TokenAnswer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// One configured provider.
pub struct Provider {
    pub settings: SsoProviderSettings,
    /// OpenID Connect providers: discovery and keys, fetched and cached.
    pub issuer: Option<oidc::Issuer>,
}

impl Provider {
    pub fn id(&self) -> &str {
        &self.settings.id
    }

    pub fn public(&self) -> SsoProvider {
        SsoProvider {
            id: self.settings.id.clone(),
            name: self.settings.name.clone(),
            kind: match self.settings.kind {
                SsoKind::Oidc => SsoProviderKind::Oidc,
                SsoKind::Github => SsoProviderKind::Github,
            },
        }
    }

    /// The scopes asked for: who the person is and their email.
    pub fn scopes(&self) -> &'static [&'static str] {
        match self.settings.kind {
            SsoKind::Oidc => &["openid", "email", "profile"],
            SsoKind::Github => &["read:user", "user:email"],
        }
    }

    /// The `oauth2` client for a flow that comes back to `redirect_uri`.
    pub async fn client(
        &self,
        http: &reqwest::Client,
        redirect_uri: &str,
    ) -> Result<OAuthClient, SsoFailure> {
        let (authorize, token) = match &self.issuer {
            Some(issuer) => issuer.endpoints(http).await?,
            // GitHub (or GitHub Enterprise with its URLs set).
            None => (
                self.settings
                    .authorize_url
                    .clone()
                    .unwrap_or_else(|| "https://github.com/login/oauth/authorize".into()),
                self.settings
                    .token_url
                    .clone()
                    .unwrap_or_else(|| "https://github.com/login/oauth/access_token".into()),
            ),
        };
        let bad = |_| SsoFailure::ProviderUnavailable;
        let mut client = oauth2::Client::new(ClientId::new(self.settings.client_id.clone()))
            .set_auth_uri(AuthUrl::new(authorize).map_err(bad)?)
            .set_token_uri(TokenUrl::new(token).map_err(bad)?)
            .set_redirect_uri(RedirectUrl::new(redirect_uri.to_string()).map_err(bad)?);
        if let Some(secret) = &self.settings.client_secret {
            client = client.set_client_secret(ClientSecret::new(secret.expose_secret().into()));
        }
        if self.settings.kind == SsoKind::Github {
            // GitHub takes the client credentials in the form body.
            client = client.set_auth_type(AuthType::RequestBody);
        }
        Ok(client)
    }
}

/// The configured providers and the HTTP client that talks to them.
pub struct Providers {
    list: Vec<Arc<Provider>>,
    pub http: reqwest::Client,
}

impl Providers {
    pub fn new(settings: &[SsoProviderSettings]) -> anyhow::Result<Providers> {
        // Providers are configured by the operator, not by users, so no address guard here;
        // redirects are never followed (OAuth endpoints do not redirect, and a redirect must
        // not carry the client secret elsewhere).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("mercato/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let list = settings
            .iter()
            .map(|s| {
                Arc::new(Provider {
                    issuer: s.issuer.as_deref().map(oidc::Issuer::new),
                    settings: s.clone(),
                })
            })
            .collect();
        Ok(Providers { list, http })
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Provider>> {
        self.list.iter().find(|p| p.id() == id)
    }

    pub fn public(&self) -> Vec<SsoProvider> {
        self.list.iter().map(|p| p.public()).collect()
    }

    /// The provider's name for people (its id when it is no longer configured).
    pub fn name_of(&self, id: &str) -> String {
        self.get(id)
            .map(|p| p.settings.name.clone())
            .unwrap_or_else(|| id.to_string())
    }
}

/// GETs a provider's JSON; any failure (network, status, shape) means it is unavailable.
pub(crate) async fn get_json<T: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
    what: &'static str,
) -> Result<T, SsoFailure> {
    let failed = |e: reqwest::Error| {
        tracing::warn!(error = %e, what, "a sign-in provider call failed");
        SsoFailure::ProviderUnavailable
    };
    request
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(failed)?
        .json()
        .await
        .map_err(failed)
}

/// A path on this site to return to: must start with one `/` (no other origin, no scheme).
pub fn safe_return_to(raw: Option<&str>) -> Option<String> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Some("/".into()),
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && path.len() <= 1024
                && !path.chars().any(char::is_control) =>
        {
            Some(path.to_string())
        }
        Some(_) => None,
    }
}

/// A random URL-safe token of `bytes` random bytes.
pub fn random_token(bytes: usize) -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths_stay_on_this_site() {
        assert_eq!(safe_return_to(None).as_deref(), Some("/"));
        assert_eq!(safe_return_to(Some("")).as_deref(), Some("/"));
        assert_eq!(
            safe_return_to(Some("/listings/x?tab=1")).as_deref(),
            Some("/listings/x?tab=1")
        );
        for bad in [
            "//evil.example/x",
            "https://evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "x",
            "/a\nb",
        ] {
            assert_eq!(safe_return_to(Some(bad)), None, "{bad}");
        }
    }
}
