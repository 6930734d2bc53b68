//! Install tokens: JWTs signed by Mercato with Ed25519 (EdDSA), handed to the partner's
//! service at install time. Partners verify them with the public keys served at
//! `/.well-known/jwks.json`, so they never share a secret with Mercato.
//!
//! Keys live in `<data dir>/secrets/install-keys/<kid>.pk8` (PKCS#8, owner-only). The newest
//! key signs; every key in the directory is published, so tokens signed before a rotation
//! (`mercato rotate-install-key`) keep verifying until their key is retired.

use std::path::{Path, PathBuf};

use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};

/// How long a partner has to redeem an install token.
pub const TOKEN_LIFETIME_MINUTES: i64 = 15;
const ISSUER: &str = "mercato";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InstallClaims {
    pub iss: String,
    /// The partner's slug: the token is meant for its service.
    pub aud: String,
    /// `workspace:<id>`.
    pub sub: String,
    pub workspace_id: i64,
    pub listing: String,
    pub install_id: i64,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

struct SigningKey {
    kid: String,
    created: std::time::SystemTime,
    encoding: EncodingKey,
    public: Vec<u8>,
}

pub struct InstallKeys {
    dir: PathBuf,
    keys: Vec<SigningKey>,
}

impl InstallKeys {
    /// Loads the keys of `data_dir`, generating the first on first start.
    pub fn load(data_dir: &Path) -> anyhow::Result<InstallKeys> {
        let dir = data_dir.join("secrets").join("install-keys");
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut keys = read_keys(&dir)?;
        if keys.is_empty() {
            generate(&dir)?;
            keys = read_keys(&dir)?;
        }
        Ok(InstallKeys { dir, keys })
    }

    /// Adds a new signing key; the older ones stay published.
    pub fn rotate(data_dir: &Path) -> anyhow::Result<String> {
        let dir = data_dir.join("secrets").join("install-keys");
        std::fs::create_dir_all(&dir)?;
        generate(&dir)
    }

    /// Removes keys older than `keep` except the newest (tokens they signed have long expired).
    pub fn retire(data_dir: &Path, keep: std::time::Duration) -> anyhow::Result<Vec<String>> {
        let keys = Self::load(data_dir)?;
        let newest = keys.keys.last().map(|k| k.kid.clone());
        let mut removed = Vec::new();
        for key in &keys.keys {
            let old = key.created.elapsed().map(|age| age > keep).unwrap_or(false);
            if old && Some(&key.kid) != newest.as_ref() {
                std::fs::remove_file(keys.dir.join(format!("{}.pk8", key.kid)))?;
                removed.push(key.kid.clone());
            }
        }
        Ok(removed)
    }

    fn active(&self) -> &SigningKey {
        self.keys.last().expect("there is always a key")
    }

    pub fn issue(
        &self,
        partner: &str,
        workspace_id: i64,
        listing: &str,
        install_id: i64,
    ) -> anyhow::Result<(String, DateTime<Utc>)> {
        let now = crate::clock::wall_now();
        let exp = now + Duration::minutes(TOKEN_LIFETIME_MINUTES);
        let claims = InstallClaims {
            iss: ISSUER.into(),
            aud: partner.into(),
            sub: format!("workspace:{workspace_id}"),
            workspace_id,
            listing: listing.into(),
            install_id,
            iat: now.timestamp(),
            exp: exp.timestamp(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let key = self.active();
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &key.encoding)
            .context("signing an install token")?;
        Ok((token, exp))
    }

    /// The JSON Web Key Set of every published key.
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<serde_json::Value> = self
            .keys
            .iter()
            .rev()
            .map(|k| {
                serde_json::json!({
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "x": URL_SAFE_NO_PAD.encode(&k.public),
                    "kid": k.kid,
                    "alg": "EdDSA",
                    "use": "sig",
                })
            })
            .collect();
        serde_json::json!({ "keys": keys })
    }

    /// Verifies a token the way a partner's service would (for tests and tooling).
    pub fn verify(&self, token: &str, partner: &str) -> anyhow::Result<InstallClaims> {
        let kid = jsonwebtoken::decode_header(token)?.kid.context("no kid")?;
        let key = self
            .keys
            .iter()
            .find(|k| k.kid == kid)
            .context("unknown kid")?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[partner]);
        let decoding = DecodingKey::from_ed_der(&key.public);
        Ok(jsonwebtoken::decode::<InstallClaims>(token, &decoding, &validation)?.claims)
    }
}

fn generate(dir: &Path) -> anyhow::Result<String> {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map_err(|_| anyhow::anyhow!("generating an Ed25519 key"))?;
    let kid = format!(
        "{}-{}",
        crate::clock::wall_now().format("%Y%m%d%H%M%S%3f"),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let path = dir.join(format!("{kid}.pk8"));
    super::key_files::write_private(&path, pkcs8.as_ref())?;
    Ok(kid)
}

/// The keys of the directory, oldest first (the kid starts with its creation time).
fn read_keys(dir: &Path) -> anyhow::Result<Vec<SigningKey>> {
    let mut keys = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("pk8") {
            continue;
        }
        let kid = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let der = std::fs::read(&path)?;
        let pair = Ed25519KeyPair::from_pkcs8(&der)
            .map_err(|_| anyhow::anyhow!("{} is not an Ed25519 PKCS#8 key", path.display()))?;
        keys.push(SigningKey {
            kid,
            created: entry.metadata()?.modified()?,
            encoding: EncodingKey::from_ed_der(&der),
            public: pair.public_key().as_ref().to_vec(),
        });
    }
    keys.sort_by(|a, b| a.kid.cmp(&b.kid));
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_with_the_published_keys_and_survive_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let keys = InstallKeys::load(dir.path()).unwrap();
        let (token, _) = keys.issue("acme", 7, "invoice-sync", 42).unwrap();
        let claims = keys.verify(&token, "acme").unwrap();
        assert_eq!(
            (
                claims.workspace_id,
                claims.install_id,
                claims.listing.as_str()
            ),
            (7, 42, "invoice-sync")
        );
        assert!(
            keys.verify(&token, "someone-else").is_err(),
            "audience is the partner"
        );
        assert_eq!(keys.jwks()["keys"][0]["crv"], "Ed25519");

        InstallKeys::rotate(dir.path()).unwrap();
        let rotated = InstallKeys::load(dir.path()).unwrap();
        assert_eq!(rotated.jwks()["keys"].as_array().unwrap().len(), 2);
        assert!(
            rotated.verify(&token, "acme").is_ok(),
            "old tokens still verify"
        );
        let (new_token, _) = rotated.issue("acme", 7, "invoice-sync", 43).unwrap();
        let new_kid = jsonwebtoken::decode_header(&new_token)
            .unwrap()
            .kid
            .unwrap();
        assert_eq!(
            rotated.jwks()["keys"][0]["kid"],
            new_kid,
            "the newest key signs and is listed first"
        );

        let removed = InstallKeys::retire(dir.path(), std::time::Duration::ZERO).unwrap();
        assert_eq!(removed.len(), 1);
        assert!(InstallKeys::load(dir.path())
            .unwrap()
            .verify(&token, "acme")
            .is_err());
    }

    #[test]
    fn tampered_tokens_fail() {
        let dir = tempfile::tempdir().unwrap();
        let keys = InstallKeys::load(dir.path()).unwrap();
        let (token, _) = keys.issue("acme", 7, "x", 1).unwrap();
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"iss":"mercato","aud":"acme","sub":"workspace:8","workspace_id":8,"listing":"x","install_id":1,"iat":0,"exp":9999999999,"jti":"j"}"#);
        parts[1] = &forged;
        assert!(keys.verify(&parts.join("."), "acme").is_err());
    }
}
