//! Short-lived access tokens (HS256 JWTs) and opaque refresh tokens.

use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::config::Settings;
use crate::hashing::sha256_hex;

const ISSUER: &str = "mercato";
const AUDIENCE: &str = "mercato-api";

#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user id.
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

pub struct TokenKeys {
    /// Says which secret this is, without revealing it (`hashing::key_fingerprint`).
    pub fingerprint: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl_secs: i64,
    pub refresh_ttl_secs: i64,
}

impl TokenKeys {
    /// Uses the configured secret, or the one kept in the data directory (generated on first
    /// start).
    pub fn load(settings: &Settings) -> anyhow::Result<TokenKeys> {
        let secret: Vec<u8> = match &settings.jwt_secret {
            Some(s) => s.expose_secret().as_bytes().to_vec(),
            None => super::key_files::load_or_create(
                &settings.data_dir.join("secrets").join("jwt.key"),
                64,
            )?,
        };
        anyhow::ensure!(
            secret.len() >= 32,
            "the JWT secret must be at least 32 bytes"
        );
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.leeway = 5;
        Ok(TokenKeys {
            fingerprint: crate::hashing::key_fingerprint(&secret),
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
            validation,
            access_ttl_secs: settings.access_token_ttl.as_secs() as i64,
            refresh_ttl_secs: settings.refresh_token_ttl.as_secs() as i64,
        })
    }

    pub fn issue_access(&self, user_id: i64) -> anyhow::Result<String> {
        let now = crate::clock::wall_now().timestamp();
        let claims = AccessClaims {
            sub: user_id.to_string(),
            iat: now,
            exp: now + self.access_ttl_secs,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .context("signing an access token")
    }

    /// The user id of a valid, unexpired access token signed by this server.
    pub fn verify_access(&self, token: &str) -> Option<i64> {
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .ok()
            .and_then(|data| data.claims.sub.parse().ok())
    }
}

/// A new random refresh token (256 bits) and the hash to store for it.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = sha256_hex(&token);
    (token, hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> TokenKeys {
        let settings = Settings {
            jwt_secret: Some(secret.to_string().into()),
            ..Settings::default()
        };
        TokenKeys::load(&settings).unwrap()
    }

    #[test]
    fn access_tokens_round_trip_and_reject_tampering() {
        let k = keys("0123456789abcdef0123456789abcdef-one");
        let token = k.issue_access(42).unwrap();
        assert_eq!(k.verify_access(&token), Some(42));
        let other = keys("0123456789abcdef0123456789abcdef-two");
        assert_eq!(other.verify_access(&token), None, "another key");
        let mut tampered = token.clone();
        tampered.pop();
        assert_eq!(k.verify_access(&tampered), None);
        assert_eq!(k.verify_access("not.a.jwt"), None);
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, ha) = new_refresh_token();
        let (b, hb) = new_refresh_token();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert_eq!(sha256_hex(&a), ha);
        assert_eq!(ha.len(), 64);
    }

    #[test]
    fn generated_secret_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets/jwt.key");
        let a = super::super::key_files::load_or_create(&path, 64).unwrap();
        let b = super::super::key_files::load_or_create(&path, 64).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
    }
}
