//! Partner API keys for machine calls (usage reporting): created by partner admins, shown
//! once, stored as SHA-256, revocable.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use futures_util::future::LocalBoxFuture;
use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::partners::PartnerStatus;
use mercato_shared::api::usage::{ApiKey, CreateApiKey, CreatedApiKey};
use mercato_shared::validate;
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

use super::respond::{self, path_slug};
use crate::auth::tokens::hash_refresh_token as sha256_hex;
use crate::auth::CurrentUser;
use crate::domain::access::PartnerAccess;
use crate::entities::{api_keys, partners};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::store;
use crate::store::audit::{self, Subject};

/// What every API key starts with (tells keys from access tokens).
pub const KEY_PREFIX: &str = "mk_";

fn view(k: &api_keys::Model) -> ApiKey {
    ApiKey {
        id: k.id,
        name: k.name.clone(),
        prefix: k.prefix.clone(),
        created_at: k.created_at,
        last_used_at: k.last_used_at,
        revoked_at: k.revoked_at,
    }
}

/// Records a key's creation or revocation in the audit log (by its prefix, never its secret),
/// in the change's transaction.
async fn audit_key(
    db: &impl sea_orm::ConnectionTrait,
    user: &CurrentUser,
    action: AuditAction,
    partner: &partners::Model,
    key: &api_keys::Model,
) -> ApiResult<()> {
    let what =
        serde_json::json!({ "partner": partner.slug, "name": key.name, "prefix": key.prefix });
    audit::record(db, user.into(), action, Subject::ApiKey(key.id), what).await
}

async fn partner_admin(
    state: &AppState,
    user: &CurrentUser,
    raw_slug: &str,
) -> ApiResult<partners::Model> {
    let slug = path_slug(raw_slug, "partner")?;
    let partner = store::partners::by_slug(&state.db.read, slug.as_str()).await?;
    let access = PartnerAccess::of(&state.db.read, Some(user), partner.id).await?;
    if !access.can_view_private() && partner.status != PartnerStatus::Active {
        return Err(ApiError::NotFound("partner"));
    }
    access.require_partner_admin()?;
    Ok(partner)
}

/// Creates a key; the secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/partners/{slug}/api-keys", tag = "api keys", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = CreateApiKey,
    responses((status = 201, body = CreatedApiKey), (status = 403, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<CreateApiKey>,
) -> ApiResult<HttpResponse> {
    let partner = partner_admin(&state, &user, &path).await?;
    let name = validate::line(&req.name, 1, 100)
        .map_err(|e| ApiError::field("name", e.code, e.message))?;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = format!("{KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let txn = state.db.write.begin().await?;
    let key = api_keys::ActiveModel {
        partner_id: Set(partner.id),
        name: Set(name),
        prefix: Set(secret[..11].to_string()),
        secret_hash: Set(sha256_hex(&secret)),
        created_by: Set(Some(user.id)),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit_key(&txn, &user, AuditAction::ApiKeyCreated, &partner, &key).await?;
    txn.commit().await?;
    tracing::info!(partner = %partner.slug, key = key.id, by = user.id, "API key created");
    Ok(respond::created(
        &format!("/api/v1/partners/{}/api-keys/{}", partner.slug, key.id),
        &CreatedApiKey {
            key: view(&key),
            secret,
        },
    ))
}

#[utoipa::path(get, path = "/api/v1/partners/{slug}/api-keys", tag = "api keys", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<ApiKey>), (status = 403, body = mercato_shared::Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let partner = partner_admin(&state, &user, &path).await?;
    let keys = api_keys::Entity::find()
        .filter(api_keys::Column::PartnerId.eq(partner.id))
        .order_by_desc(api_keys::Column::Id)
        .all(&state.db.read)
        .await?;
    Ok(respond::ok(&keys.iter().map(view).collect::<Vec<_>>()))
}

/// Revokes a key: it stops working at once.
#[utoipa::path(delete, path = "/api/v1/partners/{slug}/api-keys/{id}", tag = "api keys", security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem)))]
pub async fn revoke(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (raw_slug, raw_id) = path.into_inner();
    let partner = partner_admin(&state, &user, &raw_slug).await?;
    let id = respond::path_id(&raw_id, "API key")?;
    let key = api_keys::Entity::find_by_id(id)
        .filter(api_keys::Column::PartnerId.eq(partner.id))
        .one(&state.db.read)
        .await?
        .ok_or(ApiError::NotFound("API key"))?;
    if key.revoked_at.is_none() {
        let txn = state.db.write.begin().await?;
        let mut row = key.clone().into_active_model();
        row.revoked_at = Set(Some(Utc::now()));
        row.update(&txn).await?;
        audit_key(&txn, &user, AuditAction::ApiKeyRevoked, &partner, &key).await?;
        txn.commit().await?;
        tracing::info!(partner = %partner.slug, key = id, by = user.id, "API key revoked");
    }
    Ok(respond::no_content())
}

/// The partner a request's API key speaks for.
#[derive(Debug, Clone)]
pub struct PartnerKey {
    pub key_id: i64,
    pub partner_id: i64,
}

impl FromRequest for PartnerKey {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let secret = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|v| v.trim().to_string());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let secret = secret.ok_or(ApiError::Unauthenticated)?;
            if !secret.starts_with(KEY_PREFIX) {
                return Err(ApiError::InvalidApiKey);
            }
            let state = state.ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("no state")))?;
            // A lookup by the hash of a 256-bit secret: nothing to learn from its timing.
            let key = api_keys::Entity::find()
                .filter(api_keys::Column::SecretHash.eq(sha256_hex(&secret)))
                .one(&state.db.read)
                .await?
                .filter(|k| k.revoked_at.is_none())
                .ok_or(ApiError::InvalidApiKey)?;
            // Note the use, at most once a minute per key.
            let stale = key
                .last_used_at
                .is_none_or(|t| Utc::now() - t > chrono::Duration::minutes(1));
            if stale {
                api_keys::Entity::update_many()
                    .col_expr(api_keys::Column::LastUsedAt, Expr::value(Utc::now()))
                    .filter(api_keys::Column::Id.eq(key.id))
                    .exec(&state.db.write)
                    .await?;
            }
            Ok(PartnerKey {
                key_id: key.id,
                partner_id: key.partner_id,
            })
        })
    }
}
