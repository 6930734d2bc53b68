//! Partner API keys: the key format, minting, and who a presented key speaks for. Keys are
//! shown once and stored as their SHA-256, so a presented key is found by its digest.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entities::api_keys;
use crate::error::{ApiError, ApiResult};
use crate::hashing::sha256_hex;

/// What every API key starts with (tells keys from access tokens).
pub const KEY_PREFIX: &str = "mk_";

/// How often a key's `last_used_at` is written at most.
const NOTE_USE_EVERY: Duration = Duration::minutes(1);

/// A new key: the secret to show once, its displayable prefix and the digest to store.
pub struct MintedKey {
    pub secret: String,
    pub prefix: String,
    pub secret_hash: String,
}

pub fn mint() -> MintedKey {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = format!("{KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    MintedKey {
        prefix: secret[..11].to_string(),
        secret_hash: sha256_hex(&secret),
        secret,
    }
}

/// Whether a bearer token is shaped like an API key (not an access token).
pub fn looks_like_key(token: &str) -> bool {
    token.starts_with(KEY_PREFIX)
}

/// The partner a request's API key speaks for.
#[derive(Debug, Clone)]
pub struct PartnerKey {
    pub key_id: i64,
    pub partner_id: i64,
}

/// The live key `secret` is, noting its use (at most once a minute per key).
pub async fn authenticate(
    read: &impl ConnectionTrait,
    write: &impl ConnectionTrait,
    secret: &str,
    now: DateTime<Utc>,
) -> ApiResult<PartnerKey> {
    if !looks_like_key(secret) {
        return Err(ApiError::InvalidApiKey);
    }
    // A lookup by the hash of a 256-bit secret: nothing to learn from its timing.
    let key = api_keys::Entity::find()
        .filter(api_keys::Column::SecretHash.eq(sha256_hex(secret)))
        .one(read)
        .await?
        .filter(|k| k.revoked_at.is_none())
        .ok_or(ApiError::InvalidApiKey)?;
    if key.last_used_at.is_none_or(|t| now - t > NOTE_USE_EVERY) {
        api_keys::Entity::update_many()
            .col_expr(api_keys::Column::LastUsedAt, Expr::value(now))
            .filter(api_keys::Column::Id.eq(key.id))
            .exec(write)
            .await?;
    }
    Ok(PartnerKey {
        key_id: key.id,
        partner_id: key.partner_id,
    })
}
