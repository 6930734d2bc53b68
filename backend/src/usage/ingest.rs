//! Ingesting a batch of usage reported by a partner's integration: "workspace W used listing
//! L at time T", up to 10,000 events, with a partner API key.
//!
//! Events are validated one by one (the others are still accepted) and summed per listing,
//! day and workspace; the sums are stored as one pending row together with the batch's
//! `Idempotency-Key` before the answer, so a retried batch is answered from the first answer
//! and counted once. The folder (`usage/folder.rs`) adds pending rows to the roll-ups.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use mercato_shared::api::usage::{RejectedEvent, UsageBatch, UsageReceipt, UsageStatus, MAX_BATCH};
use mercato_shared::ErrorCode;
use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    TransactionTrait,
};

use super::rollups::{self, Daily};
use crate::analytics::days;
use crate::auth::api_keys::PartnerKey;
use crate::entities::{usage_batches, usage_pending};
use crate::error::{ApiError, ApiResult};
use crate::hashing::sha256_hex;
use crate::http::extract::parse_json;
use crate::state::AppState;

/// Events dated later than this are refused (clock skew allowance).
const FUTURE_ALLOWANCE: Duration = Duration::minutes(5);
/// Events older than this are refused: the roll-ups keep about a year.
const MAX_AGE_DAYS: i64 = 400;

/// Ingests the JSON batch `body` sent with `key` (and its `Idempotency-Key`, if any): each
/// event is accepted or rejected with a reason; a batch sent again with the same key is
/// answered as the first time (`replayed`) and counted once.
pub async fn ingest(
    state: &AppState,
    key: &PartnerKey,
    idempotency: Option<String>,
    body: &[u8],
) -> ApiResult<UsageReceipt> {
    let request_hash = sha256_hex(std::str::from_utf8(body).unwrap_or_default());
    if let Some(idem) = &idempotency {
        if let Some(answer) = replay(&state.db.read, key, idem, &request_hash).await? {
            return Ok(answer);
        }
    }
    // The fast path parses straight into the types; a failure is parsed again for a precise
    // field error.
    let batch: UsageBatch = match serde_json::from_slice(body) {
        Ok(b) => b,
        Err(_) => parse_json(body)?,
    };
    if batch.events.len() > MAX_BATCH {
        return Err(ApiError::field(
            "events",
            "too_many",
            format!("a batch holds at most {MAX_BATCH} events"),
        ));
    }
    let now = state.settings.clock.now();
    let (receipt, daily) = sum(state, key, &batch, now).await?;
    if receipt.accepted == 0 && idempotency.is_none() {
        return Ok(receipt);
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
                if let Some(answer) = replay(&state.db.write, key, idem, &request_hash).await? {
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
    Ok(receipt)
}

/// The batch's events judged one by one at `now`: the receipt, and the accepted ones summed
/// per (listing, day, workspace).
async fn sum(
    state: &AppState,
    key: &PartnerKey,
    batch: &UsageBatch,
    now: DateTime<Utc>,
) -> ApiResult<(UsageReceipt, Daily)> {
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
    Ok((receipt, daily))
}

/// The first answer to the batch `idempotency` names, if `key` sent one; 409 when that key
/// came with another batch.
async fn replay(
    db: &impl ConnectionTrait,
    key: &PartnerKey,
    idempotency: &str,
    request_hash: &str,
) -> ApiResult<Option<UsageReceipt>> {
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
    Ok(Some(receipt))
}

/// The folder's backlog: batches acknowledged but not yet in the roll-ups.
pub async fn backlog(state: &AppState) -> ApiResult<UsageStatus> {
    let (pending_batches, pending_events, oldest_pending_at) = usage_pending::Entity::find()
        .select_only()
        .column_as(usage_pending::Column::Id.count(), "batches")
        .column_as(
            Expr::col(usage_pending::Column::Events)
                .sum()
                .cast_as(Alias::new("BIGINT")),
            "events",
        )
        .column_as(usage_pending::Column::CreatedAt.min(), "oldest")
        .into_tuple::<(i64, Option<i64>, Option<DateTime<Utc>>)>()
        .one(&state.db.read)
        .await?
        .unwrap_or_default();
    Ok(UsageStatus {
        pending_batches,
        pending_events: pending_events.unwrap_or(0),
        oldest_pending_at,
    })
}
