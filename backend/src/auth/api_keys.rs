//! Partner API keys: the key format, minting, who a presented key speaks for, and the keys
//! as a partner's admins manage them (create, list, revoke). Keys are shown once and stored
//! as their SHA-256, so a presented key is found by its digest.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::usage::{ApiKey, CreateApiKey, CreatedApiKey};
use mercato_shared::validate;
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use super::CurrentUser;
use crate::entities::{api_keys, partners};
use crate::error::{ApiError, ApiResult};
use crate::hashing::sha256_hex;
use crate::state::AppState;
use crate::store::audit::{self, Subject};
use crate::views;

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

/// Records a key's creation or revocation in the audit log (by its prefix, never its secret),
/// in the change's transaction.
async fn audit_key(
    db: &impl ConnectionTrait,
    state: &AppState,
    user: &CurrentUser,
    action: AuditAction,
    partner: &partners::Model,
    key: &api_keys::Model,
) -> ApiResult<()> {
    let what =
        serde_json::json!({ "partner": partner.slug, "name": key.name, "prefix": key.prefix });
    let at = state.settings.clock.now();
    audit::record(db, at, user.into(), action, Subject::ApiKey(key.id), what).await
}

/// Creates a key for the partner; the secret is in this answer only.
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    partner: &partners::Model,
    req: CreateApiKey,
) -> ApiResult<CreatedApiKey> {
    let name = validate::line(&req.name, 1, 100)
        .map_err(|e| ApiError::field("name", e.code, e.message))?;
    let minted = mint();
    let txn = state.db.write.begin().await?;
    let key = api_keys::ActiveModel {
        partner_id: Set(partner.id),
        name: Set(name),
        prefix: Set(minted.prefix),
        secret_hash: Set(minted.secret_hash),
        created_by: Set(Some(user.id)),
        created_at: Set(state.settings.clock.now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit_key(&txn, state, user, AuditAction::ApiKeyCreated, partner, &key).await?;
    txn.commit().await?;
    tracing::info!(partner = %partner.slug, key = key.id, by = user.id, "API key created");
    Ok(CreatedApiKey {
        key: views::api_key(&key),
        secret: minted.secret,
    })
}

/// The partner's keys, newest first (revoked ones too, marked).
pub async fn list(state: &AppState, partner: &partners::Model) -> ApiResult<Vec<ApiKey>> {
    let keys = api_keys::Entity::find()
        .filter(api_keys::Column::PartnerId.eq(partner.id))
        .order_by_desc(api_keys::Column::Id)
        .all(&state.db.read)
        .await?;
    Ok(keys.iter().map(views::api_key).collect())
}

/// Revokes a key: it stops working at once. Revoking a revoked key changes nothing.
pub async fn revoke(
    state: &AppState,
    user: &CurrentUser,
    partner: &partners::Model,
    id: i64,
) -> ApiResult<()> {
    let key = api_keys::Entity::find_by_id(id)
        .filter(api_keys::Column::PartnerId.eq(partner.id))
        .one(&state.db.read)
        .await?
        .ok_or(ApiError::NotFound("API key"))?;
    if key.revoked_at.is_none() {
        let txn = state.db.write.begin().await?;
        let mut row = key.clone().into_active_model();
        row.revoked_at = Set(Some(state.settings.clock.now()));
        row.update(&txn).await?;
        audit_key(&txn, state, user, AuditAction::ApiKeyRevoked, partner, &key).await?;
        txn.commit().await?;
        tracing::info!(partner = %partner.slug, key = id, by = user.id, "API key revoked");
    }
    Ok(())
}
