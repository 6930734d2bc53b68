//! OpenID Connect: the issuer's discovery document and signing keys (fetched on first use,
//! cached, refreshed hourly or when a token names a key we do not have), and ID-token checks:
//! signature against the JWKS, issuer, audience, expiry and nonce.

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tokio::sync::RwLock;

use super::{get_json, Profile, SsoFailure};

const REFRESH_AFTER: Duration = Duration::from_secs(3600);
/// An unknown key id refetches the keys at most this often (a forged `kid` must not make us
/// hammer the provider).
const KEY_REFETCH_GAP: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

struct Cached {
    discovery: Discovery,
    keys: JwkSet,
    fetched: Instant,
}

pub struct Issuer {
    /// As configured, without a trailing slash.
    url: String,
    cache: RwLock<Option<Cached>>,
}

#[derive(Debug, Deserialize)]
struct IdClaims {
    sub: String,
    #[serde(default)]
    email: Option<String>,
    /// A boolean, or the string "true" from some providers.
    #[serde(default)]
    email_verified: Option<serde_json::Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
}

impl Issuer {
    pub fn new(url: &str) -> Issuer {
        Issuer {
            url: url.trim_end_matches('/').to_string(),
            cache: RwLock::new(None),
        }
    }

    async fn fetch(&self, http: &reqwest::Client) -> Result<Cached, SsoFailure> {
        let discovery: Discovery = get_json(
            http.get(format!("{}/.well-known/openid-configuration", self.url)),
            "OpenID discovery",
        )
        .await?;
        // The document must be the configured issuer's own (OpenID Connect Discovery §4.3).
        if discovery.issuer.trim_end_matches('/') != self.url {
            tracing::warn!(configured = %self.url, announced = %discovery.issuer, "issuer mismatch");
            return Err(SsoFailure::ProviderUnavailable);
        }
        let keys = self.fetch_keys(http, &discovery.jwks_uri).await?;
        Ok(Cached {
            discovery,
            keys,
            fetched: Instant::now(),
        })
    }

    async fn fetch_keys(&self, http: &reqwest::Client, uri: &str) -> Result<JwkSet, SsoFailure> {
        get_json(http.get(uri), "the provider's keys").await
    }

    async fn ensure(&self, http: &reqwest::Client) -> Result<(), SsoFailure> {
        let fresh = self
            .cache
            .read()
            .await
            .as_ref()
            .is_some_and(|c| c.fetched.elapsed() < REFRESH_AFTER);
        if !fresh {
            let cached = self.fetch(http).await?;
            *self.cache.write().await = Some(cached);
        }
        Ok(())
    }

    /// The authorization and token endpoints.
    pub async fn endpoints(&self, http: &reqwest::Client) -> Result<(String, String), SsoFailure> {
        self.ensure(http).await?;
        let cache = self.cache.read().await;
        let d = &cache
            .as_ref()
            .ok_or(SsoFailure::ProviderUnavailable)?
            .discovery;
        Ok((d.authorization_endpoint.clone(), d.token_endpoint.clone()))
    }

    /// The key that signed a token: by `kid`, or the only key when the token names none.
    async fn key_for(
        &self,
        http: &reqwest::Client,
        kid: Option<&str>,
    ) -> Result<DecodingKey, SsoFailure> {
        self.ensure(http).await?;
        let find = |keys: &JwkSet| match kid {
            Some(kid) => keys.find(kid).cloned(),
            None if keys.keys.len() == 1 => keys.keys.first().cloned(),
            None => None,
        };
        let (found, stale, jwks_uri) = {
            let cache = self.cache.read().await;
            let c = cache.as_ref().ok_or(SsoFailure::ProviderUnavailable)?;
            (
                find(&c.keys),
                c.fetched.elapsed() >= KEY_REFETCH_GAP,
                c.discovery.jwks_uri.clone(),
            )
        };
        let jwk = match found {
            Some(jwk) => jwk,
            // The provider may have rotated its keys.
            None if stale => {
                let keys = self.fetch_keys(http, &jwks_uri).await?;
                let jwk = find(&keys);
                if let Some(c) = self.cache.write().await.as_mut() {
                    c.keys = keys;
                    c.fetched = Instant::now();
                }
                jwk.ok_or(SsoFailure::IdTokenInvalid)?
            }
            None => return Err(SsoFailure::IdTokenInvalid),
        };
        DecodingKey::from_jwk(&jwk).map_err(|_| SsoFailure::IdTokenInvalid)
    }

    /// Verifies an ID token for `client_id` carrying `nonce` and returns who it names.
    pub async fn verify(
        &self,
        http: &reqwest::Client,
        id_token: &str,
        client_id: &str,
        nonce: &str,
    ) -> Result<Profile, SsoFailure> {
        let invalid = |why: &str| {
            tracing::info!(issuer = %self.url, why, "ID token refused");
            SsoFailure::IdTokenInvalid
        };
        let header = decode_header(id_token).map_err(|_| invalid("malformed"))?;
        // Asymmetric signatures only: an HMAC "signed" with a public key proves nothing.
        if !matches!(
            header.alg,
            Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::PS384
                | Algorithm::PS512
                | Algorithm::ES256
                | Algorithm::ES384
                | Algorithm::EdDSA
        ) {
            return Err(invalid("algorithm"));
        }
        let key = self.key_for(http, header.kid.as_deref()).await?;
        let issuer = {
            let cache = self.cache.read().await;
            cache
                .as_ref()
                .map(|c| c.discovery.issuer.clone())
                .ok_or(SsoFailure::ProviderUnavailable)?
        };
        let mut validation = Validation::new(header.alg);
        validation.set_audience(&[client_id]);
        validation.set_issuer(&[issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 60;
        let claims = decode::<IdClaims>(id_token, &key, &validation)
            .map_err(|e| {
                tracing::info!(issuer = %self.url, error = %e, "ID token refused");
                SsoFailure::IdTokenInvalid
            })?
            .claims;
        let nonce_ok = claims
            .nonce
            .as_deref()
            .is_some_and(|n| bool::from(n.as_bytes().ct_eq(nonce.as_bytes())));
        if !nonce_ok {
            return Err(invalid("nonce"));
        }
        let email_verified = match &claims.email_verified {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::String(s)) => s == "true",
            _ => false,
        };
        Ok(Profile {
            subject: claims.sub,
            email: claims.email,
            email_verified,
            name: claims.name,
        })
    }
}
