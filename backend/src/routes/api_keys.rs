//! Partner API keys for machine calls (usage reporting): created by partner admins, shown
//! once, stored as SHA-256, revocable.

use actix_web::{web, HttpResponse};
use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::usage::{ApiKey, CreateApiKey, CreatedApiKey};
use mercato_shared::validate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

use crate::auth;
use crate::auth::CurrentUser;
use crate::domain::access::{self, Need};
use crate::entities::{api_keys, partners};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::ApiJson;
use crate::http::respond::{self, path_slug};
use crate::state::AppState;
use crate::store::audit::{self, Subject};

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
    at: chrono::DateTime<chrono::Utc>,
    user: &CurrentUser,
    action: AuditAction,
    partner: &partners::Model,
    key: &api_keys::Model,
) -> ApiResult<()> {
    let what =
        serde_json::json!({ "partner": partner.slug, "name": key.name, "prefix": key.prefix });
    audit::record(db, at, user.into(), action, Subject::ApiKey(key.id), what).await
}

async fn partner_admin(
    state: &AppState,
    user: &CurrentUser,
    raw_slug: &str,
) -> ApiResult<partners::Model> {
    let slug = path_slug(raw_slug, "partner")?;
    let need = Need::Administration;
    Ok(access::partner_for(&state.db.read, Some(user), &slug, need)
        .await?
        .0)
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
    let minted = auth::api_keys::mint();
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
    audit_key(
        &txn,
        state.settings.clock.now(),
        &user,
        AuditAction::ApiKeyCreated,
        &partner,
        &key,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(partner = %partner.slug, key = key.id, by = user.id, "API key created");
    Ok(respond::created(
        &format!("/api/v1/partners/{}/api-keys/{}", partner.slug, key.id),
        &CreatedApiKey {
            key: view(&key),
            secret: minted.secret,
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
        row.revoked_at = Set(Some(state.settings.clock.now()));
        row.update(&txn).await?;
        audit_key(
            &txn,
            state.settings.clock.now(),
            &user,
            AuditAction::ApiKeyRevoked,
            &partner,
            &key,
        )
        .await?;
        txn.commit().await?;
        tracing::info!(partner = %partner.slug, key = id, by = user.id, "API key revoked");
    }
    Ok(respond::no_content())
}
