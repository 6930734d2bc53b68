//! Usage reported by partners' integrations: "workspace W used listing L at time T", in
//! batches of up to 10,000 events, authenticated with a partner API key.
//!
//! Events are validated one by one (the others are still accepted), folded into the
//! roll-ups (`usage_daily`: one row per listing, day and workspace, with an event count;
//! `usage_last_seen`) and committed together with the batch's `Idempotency-Key` — by the group
//! committer of `usage_writer.rs` — so a retried batch is answered from the first answer and
//! counted once.

use std::collections::{BTreeMap, HashMap, HashSet};

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use mercato_shared::api::usage::{RejectedEvent, UsageBatch, UsageReceipt, MAX_BATCH};
use mercato_shared::ErrorCode;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::api_keys::PartnerKey;
use crate::analytics::days;
use crate::auth::tokens::hash_refresh_token as sha256_hex;
use crate::entities::{listings, usage_batches, workspaces};
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, JsonBytes};
use crate::state::AppState;
use crate::usage_writer::{IdempotencyRecord, Job, WriteError};

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
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key and body count once")),
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

    let now = Utc::now();
    let latest = now + FUTURE_ALLOWANCE;
    let earliest = now - Duration::days(MAX_AGE_DAYS);
    let slugs: HashSet<&str> = batch.events.iter().map(|e| e.listing.as_str()).collect();
    let listing_ids: HashMap<String, (i64, i64)> = listings::Entity::find()
        .select_only()
        .column(listings::Column::Slug)
        .column(listings::Column::Id)
        .column(listings::Column::PartnerId)
        .filter(listings::Column::Slug.is_in(slugs.iter().map(|s| s.to_string())))
        .into_tuple::<(String, i64, i64)>()
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|(slug, id, partner)| (slug, (id, partner)))
        .collect();
    let wanted: Vec<i64> = batch
        .events
        .iter()
        .map(|e| e.workspace)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut known_workspaces: HashSet<i64> = HashSet::with_capacity(wanted.len());
    for chunk in wanted.chunks(5000) {
        let ids: Vec<i64> = workspaces::Entity::find()
            .select_only()
            .column(workspaces::Column::Id)
            .filter(workspaces::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(&state.db.read)
            .await?;
        known_workspaces.extend(ids);
    }

    let mut rejected = Vec::new();
    let mut daily: BTreeMap<(i64, i32, i64), i64> = BTreeMap::new();
    let mut last_seen: BTreeMap<(i64, i64), i32> = BTreeMap::new();
    for (index, event) in batch.events.iter().enumerate() {
        let reason = match listing_ids.get(&event.listing) {
            None => Some("unknown_listing"),
            Some((_, partner)) if *partner != key.partner_id => Some("listing_not_yours"),
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
        let (listing_id, _) = listing_ids[&event.listing];
        let day = days::of_time(event.occurred_at);
        *daily.entry((listing_id, day, event.workspace)).or_default() += 1;
        let seen = last_seen
            .entry((listing_id, event.workspace))
            .or_insert(day);
        *seen = (*seen).max(day);
    }
    let receipt = UsageReceipt {
        accepted: batch.events.len() - rejected.len(),
        rejected,
        replayed: false,
    };

    let job = Job {
        idempotency: idempotency.as_ref().map(|idem| IdempotencyRecord {
            api_key_id: key.key_id,
            key: idem.clone(),
            request_hash: request_hash.clone(),
            response: serde_json::to_string(&receipt).unwrap_or_default(),
        }),
        daily,
        last_seen,
    };
    match state.usage_writer.write(job).await {
        Ok(()) => {}
        Err(WriteError::Duplicate) => {
            // The same batch, sent twice at once: the other copy counted it.
            if let Some(idem) = &idempotency {
                if let Some(answer) = replay(&state.db.write, &key, idem, &request_hash).await? {
                    return Ok(answer);
                }
            }
            return Err(ApiError::Unexpected(anyhow::anyhow!(
                "a duplicate batch without its record"
            )));
        }
        Err(WriteError::Failed(e)) => return Err(ApiError::Unexpected(anyhow::anyhow!(e))),
    }
    Ok(HttpResponse::Ok().json(receipt))
}
