//! Install tokens: JWTs signed by Mercato with Ed25519 (EdDSA), handed to the partner's
//! service at install time. Partners verify them with the public keys served at
//! `/.well-known/jwks.json`, so they never share a secret with Mercato.
//!
//! The keys live in the database (`install_keys`), their private halves sealed with the
//! webhook key, so every node of a cluster signs with the same key and publishes the same set.
//! The newest key signs; every kept key is published, so tokens signed before a rotation
//! (`mercato rotate-install-key`) keep verifying until their key is retired. Each node re-reads
//! the set every [`REFRESH_EVERY`]: a rotation reaches every node without a restart. Keys an
//! older version kept in `<data dir>/secrets/install-keys/` are imported on first start.

use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration as StdDuration;

use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::entities::install_keys;
use crate::webhooks::secrets::SecretBox;

/// How often a node re-reads the key set (a rotation is used by every node within this).
pub const REFRESH_EVERY: StdDuration = StdDuration::from_secs(2);
/// Binds sealed install keys to their use.
const PURPOSE: &[u8] = b"mercato install key v1";

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
    encoding: EncodingKey,
    public: Vec<u8>,
}

pub struct InstallKeys {
    /// Oldest first; never empty.
    keys: RwLock<Arc<Vec<SigningKey>>>,
    sealer: Arc<SecretBox>,
}

impl InstallKeys {
    /// Loads the key set of the database, importing keys an older version kept in
    /// `data_dir`, or generating the first key.
    pub async fn load(
        db: &Db,
        sealer: Arc<SecretBox>,
        data_dir: &Path,
    ) -> anyhow::Result<InstallKeys> {
        if install_keys::Entity::find().one(&db.write).await?.is_none() {
            let imported = import_files(db, &sealer, data_dir).await?;
            if imported == 0 {
                Self::rotate(db, &sealer).await?;
            } else {
                tracing::info!(
                    imported,
                    "install-token keys moved from the data directory to the database"
                );
            }
        }
        let keys = read_keys(db, &sealer).await?;
        Ok(InstallKeys {
            keys: RwLock::new(Arc::new(keys)),
            sealer,
        })
    }

    /// Re-reads the key set when it changed (a rotation or retirement by any node or the CLI).
    pub async fn refresh(&self, db: &Db) -> anyhow::Result<bool> {
        let kids: Vec<String> = install_keys::Entity::find()
            .order_by_asc(install_keys::Column::Kid)
            .all(&db.read)
            .await?
            .into_iter()
            .map(|k| k.kid)
            .collect();
        let current: Vec<String> = self.current().iter().map(|k| k.kid.clone()).collect();
        if kids == current || kids.is_empty() {
            return Ok(false);
        }
        let keys = read_keys(db, &self.sealer).await?;
        *self
            .keys
            .write()
            .map_err(|_| anyhow::anyhow!("install key lock poisoned"))? = Arc::new(keys);
        Ok(true)
    }

    /// Keeps the key set fresh until the process ends.
    pub async fn follow(self: Arc<Self>, db: Db) {
        loop {
            tokio::time::sleep(REFRESH_EVERY).await;
            if let Err(e) = self.refresh(&db).await {
                tracing::warn!(error = %format!("{e:#}"), "re-reading the install-token keys failed");
            }
        }
    }

    /// Adds a new signing key; the older ones stay published.
    pub async fn rotate(db: &Db, sealer: &SecretBox) -> anyhow::Result<String> {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| anyhow::anyhow!("generating an Ed25519 key"))?;
        let now = crate::clock::wall_now();
        let kid = format!(
            "{}-{}",
            now.format("%Y%m%d%H%M%S%3f"),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        store(db, sealer, &kid, pkcs8.as_ref(), now).await?;
        Ok(kid)
    }

    /// Removes keys older than `keep` except the newest (tokens they signed have long expired).
    pub async fn retire(db: &Db, keep: StdDuration) -> anyhow::Result<Vec<String>> {
        let keys = install_keys::Entity::find()
            .order_by_asc(install_keys::Column::Kid)
            .all(&db.write)
            .await?;
        let Some(newest) = keys.last().map(|k| k.kid.clone()) else {
            return Ok(Vec::new());
        };
        let cutoff =
            crate::clock::wall_now() - Duration::from_std(keep).unwrap_or(Duration::days(7));
        let retired: Vec<String> = keys
            .into_iter()
            .filter(|k| k.created_at < cutoff && k.kid != newest)
            .map(|k| k.kid)
            .collect();
        if !retired.is_empty() {
            install_keys::Entity::delete_many()
                .filter(install_keys::Column::Kid.is_in(retired.clone()))
                .exec(&db.write)
                .await?;
        }
        Ok(retired)
    }

    fn current(&self) -> Arc<Vec<SigningKey>> {
        self.keys
            .read()
            .map(|k| k.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
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
        let keys = self.current();
        let key = keys.last().context("no install-token key")?;
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &key.encoding)
            .context("signing an install token")?;
        Ok((token, exp))
    }

    /// The JSON Web Key Set of every published key, newest first.
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<serde_json::Value> = self
            .current()
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
        let keys = self.current();
        let key = keys.iter().find(|k| k.kid == kid).context("unknown kid")?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[partner]);
        let decoding = DecodingKey::from_ed_der(&key.public);
        Ok(jsonwebtoken::decode::<InstallClaims>(token, &decoding, &validation)?.claims)
    }
}

/// Stores a key pair, its private half sealed.
async fn store(
    db: &Db,
    sealer: &SecretBox,
    kid: &str,
    pkcs8: &[u8],
    created_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8)
        .map_err(|_| anyhow::anyhow!("{kid} is not an Ed25519 PKCS#8 key"))?;
    install_keys::ActiveModel {
        kid: Set(kid.to_string()),
        sealed_private: Set(sealer.seal_for(PURPOSE, &URL_SAFE_NO_PAD.encode(pkcs8))),
        public_key: Set(URL_SAFE_NO_PAD.encode(pair.public_key().as_ref())),
        created_at: Set(created_at),
    }
    .insert(&db.write)
    .await?;
    Ok(())
}

/// The keys of the database, oldest first (the kid starts with its creation time).
async fn read_keys(db: &Db, sealer: &SecretBox) -> anyhow::Result<Vec<SigningKey>> {
    let rows = install_keys::Entity::find()
        .order_by_asc(install_keys::Column::Kid)
        .all(&db.write)
        .await?;
    let mut keys = Vec::with_capacity(rows.len());
    for row in rows {
        let der = URL_SAFE_NO_PAD
            .decode(
                sealer
                    .open_for(PURPOSE, &row.sealed_private)
                    .with_context(|| {
                        format!(
                            "install key {} does not open with this node's webhook key",
                            row.kid
                        )
                    })?,
            )
            .context("a sealed install key that is not base64")?;
        keys.push(SigningKey {
            encoding: EncodingKey::from_ed_der(&der),
            public: URL_SAFE_NO_PAD.decode(&row.public_key)?,
            kid: row.kid,
        });
    }
    anyhow::ensure!(!keys.is_empty(), "no install-token key in the database");
    Ok(keys)
}

/// Moves the keys an older version kept in `<data dir>/secrets/install-keys/*.pk8` into the
/// database (the files stay, unused).
async fn import_files(db: &Db, sealer: &SecretBox, data_dir: &Path) -> anyhow::Result<usize> {
    let dir = data_dir.join("secrets").join("install-keys");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(0);
    };
    let mut imported = 0;
    for entry in entries {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("pk8") {
            continue;
        }
        let kid = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let created: DateTime<Utc> = std::fs::metadata(&path)?.modified()?.into();
        store(db, sealer, &kid, &std::fs::read(&path)?, created).await?;
        imported += 1;
    }
    Ok(imported)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    async fn database(dir: &Path) -> Db {
        let db = Db::connect(&Settings {
            data_dir: dir.to_path_buf(),
            ..Settings::default()
        })
        .await
        .unwrap();
        db.migrate().await.unwrap();
        db
    }

    #[tokio::test]
    async fn tokens_verify_with_the_published_keys_and_survive_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let db = database(dir.path()).await;
        let sealer = Arc::new(SecretBox::from_key(&[9u8; 32]));
        let keys = InstallKeys::load(&db, sealer.clone(), dir.path())
            .await
            .unwrap();
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

        InstallKeys::rotate(&db, &sealer).await.unwrap();
        assert!(keys.refresh(&db).await.unwrap(), "the rotation is seen");
        assert_eq!(keys.jwks()["keys"].as_array().unwrap().len(), 2);
        assert!(
            keys.verify(&token, "acme").is_ok(),
            "old tokens still verify"
        );
        let (new_token, _) = keys.issue("acme", 7, "invoice-sync", 43).unwrap();
        let new_kid = jsonwebtoken::decode_header(&new_token)
            .unwrap()
            .kid
            .unwrap();
        assert_eq!(
            keys.jwks()["keys"][0]["kid"],
            new_kid,
            "the newest key signs and is listed first"
        );

        let removed = InstallKeys::retire(&db, StdDuration::ZERO).await.unwrap();
        assert_eq!(removed.len(), 1);
        keys.refresh(&db).await.unwrap();
        assert!(keys.verify(&token, "acme").is_err());
        assert!(keys.verify(&new_token, "acme").is_ok());
    }

    #[tokio::test]
    async fn keys_an_older_version_kept_in_files_are_imported() {
        let dir = tempfile::tempdir().unwrap();
        let files = dir.path().join("secrets").join("install-keys");
        std::fs::create_dir_all(&files).unwrap();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        std::fs::write(files.join("20250101000000000-abcdef12.pk8"), pkcs8.as_ref()).unwrap();
        let db = database(dir.path()).await;
        let sealer = Arc::new(SecretBox::from_key(&[3u8; 32]));
        let keys = InstallKeys::load(&db, sealer, dir.path()).await.unwrap();
        assert_eq!(keys.jwks()["keys"][0]["kid"], "20250101000000000-abcdef12");
        let row = install_keys::Entity::find()
            .one(&db.read)
            .await
            .unwrap()
            .unwrap();
        assert!(!row
            .sealed_private
            .contains(&URL_SAFE_NO_PAD.encode(pkcs8.as_ref())));
    }

    #[tokio::test]
    async fn tampered_tokens_fail() {
        let dir = tempfile::tempdir().unwrap();
        let db = database(dir.path()).await;
        let keys = InstallKeys::load(&db, Arc::new(SecretBox::from_key(&[1u8; 32])), dir.path())
            .await
            .unwrap();
        let (token, _) = keys.issue("acme", 7, "x", 1).unwrap();
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"iss":"mercato","aud":"acme","sub":"workspace:8","workspace_id":8,"listing":"x","install_id":1,"iat":0,"exp":9999999999,"jti":"j"}"#);
        parts[1] = &forged;
        assert!(keys.verify(&parts.join("."), "acme").is_err());
    }
}
