//! Usage reported by partners' integrations: "workspace W used listing L at time T", in
//! batches of up to 10,000 events, authenticated with a partner API key.
//!
//! Events are validated one by one (the others are still accepted) and summed per listing,
//! day and workspace; the sums are stored as one pending row together with the batch's
//! `Idempotency-Key` before the answer, so a retried batch is answered from the first answer
//! and counted once. The folder (`usage/folder.rs`) adds pending rows to the roll-ups.

use std::collections::HashSet;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use mercato_shared::api::usage::{RejectedEvent, UsageBatch, UsageReceipt, UsageStatus, MAX_BATCH};
use mercato_shared::ErrorCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    TransactionTrait,
};

use crate::analytics::days;
use crate::auth::api_keys::PartnerKey;
use crate::entities::{usage_batches, usage_pending};
use crate::error::{ApiError, ApiResult};
use crate::hashing::sha256_hex;
use crate::http::extract::{parse_json, JsonBytes};
use crate::state::AppState;
use crate::usage::rollups::{self, Daily};

/// Events dated later than this are refused (clock skew allowance).
const FUTURE_ALLOWANCE: Duration = Duration::minutes(5);
/// Events older than this are refused: the roll-ups keep about a year.
const MAX_AGE_DAYS: i64 = 400;

fn idempotency_key(req: &HttpRequest) -> ApiResult<Option<String>> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::field(
            "Idempotency-Key",
            "invalid_value",
            "must be 1 to 200 visible ASCII characters",
        ));
    }
    Ok(Some(key.to_string()))
}

async fn replay(
    db: &impl ConnectionTrait,
    key: &PartnerKey,
    idempotency: &str,
    request_hash: &str,
) -> ApiResult<Option<HttpResponse>> {
    let Some(batch) = usage_batches::Entity::find()
        .filter(usage_batches::Column::ApiKeyId.eq(key.key_id))
        .filter(usage_batches::Column::IdempotencyKey.eq(idempotency))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if batch.request_hash != request_hash {
        return Err(ApiError::Conflict {
            code: ErrorCode::IdempotencyKeyReused,
            detail: "this Idempotency-Key came with another batch; use a new key for new events"
                .into(),
            field: None,
        });
    }
    let mut receipt: UsageReceipt =
        serde_json::from_str(&batch.response).map_err(|e| ApiError::Unexpected(e.into()))?;
    receipt.replayed = true;
    Ok(Some(HttpResponse::Ok().json(receipt)))
}

/// Reports usage (partner API key). Each event is accepted or rejected with a reason; a batch
/// sent again with the same `Idempotency-Key` is answered as the first time and counted once.
#[utoipa::path(post, path = "/api/v1/usage", tag = "usage", security(("api_key" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key and body count once (keys are remembered for 7 days)")),
    request_body = UsageBatch,
    responses(
        (status = 200, body = UsageReceipt),
        (status = 401, description = "missing or invalid API key", body = mercato_shared::Problem),
        (status = 409, description = "idempotency_key_reused", body = mercato_shared::Problem),
        (status = 413, body = mercato_shared::Problem),
        (status = 422, body = mercato_shared::Problem),
    ))]
pub async fn ingest(
    req: HttpRequest,
    state: web::Data<AppState>,
    key: PartnerKey,
    JsonBytes(body): JsonBytes,
) -> ApiResult<HttpResponse> {
    let idempotency = idempotency_key(&req)?;
    let request_hash = sha256_hex(std::str::from_utf8(&body).unwrap_or_default());
    if let Some(idem) = &idempotency {
        if let Some(answer) = replay(&state.db.read, &key, idem, &request_hash).await? {
            return Ok(answer);
        }
    }
    // The fast path parses straight into the types; a failure is parsed again for a precise
    // field error.
    let batch: UsageBatch = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(_) => parse_json(&body)?,
    };
    if batch.events.len() > MAX_BATCH {
        return Err(ApiError::field(
            "events",
            "too_many",
            format!("a batch holds at most {MAX_BATCH} events"),
        ));
    }

    let now = state.settings.clock.now();
    let latest = now + FUTURE_ALLOWANCE;
    let earliest = now - Duration::days(MAX_AGE_DAYS);
    let slugs: HashSet<&str> = batch.events.iter().map(|e| e.listing.as_str()).collect();
    let listing_owners = state.usage_directory.listings(&state.db, &slugs).await?;
    let wanted: HashSet<i64> = batch.events.iter().map(|e| e.workspace).collect();
    let known_workspaces = state.usage_directory.workspaces(&state.db, &wanted).await?;

    let mut rejected = Vec::new();
    let mut daily = Daily::new();
    for (index, event) in batch.events.iter().enumerate() {
        let owner = listing_owners.get(&event.listing);
        let reason = match owner {
            None => Some("unknown_listing"),
            Some(o) if o.partner_id != key.partner_id => Some("listing_not_yours"),
            Some(_) if !known_workspaces.contains(&event.workspace) => Some("unknown_workspace"),
            Some(_) if event.occurred_at > latest => Some("in_future"),
            Some(_) if event.occurred_at < earliest => Some("too_old"),
            Some(_) if event.kind.as_ref().is_some_and(|k| k.chars().count() > 64) => {
                Some("invalid_kind")
            }
            Some(_) => None,
        };
        if let Some(reason) = reason {
            rejected.push(RejectedEvent {
                index,
                reason: reason.into(),
            });
            continue;
        }
        let Some(owner) = owner else { continue };
        let day = days::of_time(event.occurred_at);
        *daily
            .entry((owner.listing_id, day, event.workspace))
            .or_default() += 1;
    }
    let receipt = UsageReceipt {
        accepted: batch.events.len() - rejected.len(),
        rejected,
        replayed: false,
    };

    if receipt.accepted == 0 && idempotency.is_none() {
        return Ok(HttpResponse::Ok().json(receipt));
    }

    let txn = state.db.write.begin().await?;
    if let Some(idem) = &idempotency {
        let stored = usage_batches::ActiveModel {
            api_key_id: Set(key.key_id),
            idempotency_key: Set(idem.clone()),
            request_hash: Set(request_hash.clone()),
            response: Set(
                serde_json::to_string(&receipt).map_err(|e| ApiError::Unexpected(e.into()))?
            ),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        if let Err(e) = stored {
            if crate::store::is_unique_violation(&e) {
                // The same batch, sent twice at once: the other copy counted it.
                drop(txn);
                if let Some(answer) = replay(&state.db.write, &key, idem, &request_hash).await? {
                    return Ok(answer);
                }
            }
            return Err(e.into());
        }
    }
    if !daily.is_empty() {
        usage_pending::ActiveModel {
            events: Set(receipt.accepted as i64),
            rows: Set(rollups::encode(&daily)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    state.usage_folder.wake();
    Ok(HttpResponse::Ok().json(receipt))
}

/// The usage folder's backlog: batches acknowledged but not yet in the roll-ups (admins).
#[utoipa::path(get, path = "/api/v1/admin/usage/status", tag = "usage", security(("bearer" = [])),
    responses((status = 200, body = UsageStatus), (status = 403, body = mercato_shared::Problem)))]
pub async fn status(
    state: web::Data<AppState>,
    user: crate::auth::CurrentUser,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let (pending_batches, pending_events, oldest_pending_at) = usage_pending::Entity::find()
        .select_only()
        .column_as(usage_pending::Column::Id.count(), "batches")
        .column_as(
            sea_orm::sea_query::Expr::col(usage_pending::Column::Events)
                .sum()
                .cast_as(sea_orm::sea_query::Alias::new("BIGINT")),
            "events",
        )
        .column_as(usage_pending::Column::CreatedAt.min(), "oldest")
        .into_tuple::<(i64, Option<i64>, Option<chrono::DateTime<Utc>>)>()
        .one(&state.db.read)
        .await?
        .unwrap_or_default();
    Ok(HttpResponse::Ok().json(UsageStatus {
        pending_batches,
        pending_events: pending_events.unwrap_or(0),
        oldest_pending_at,
    }))
}
