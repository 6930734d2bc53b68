//! A partner's webhook endpoints as its admins manage them: register, change, switch back on,
//! rotate the signing secret (shown once), remove; and the delivery log they read (with every
//! attempt), redelivery by hand, and the notices the partner gets. The caller's right to the
//! partner is checked by the route (`domain::access`): these take the partner as found.

use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::webhooks::{
    CreateWebhookEndpoint, DeliveryStatus, EndpointStatus, PartnerNotice, UpdateWebhookEndpoint,
    WebhookDelivery, WebhookDeliveryDetail, WebhookEndpoint, WebhookEndpointWithSecret,
    WebhookEvent,
};
use mercato_shared::api::Page;
use mercato_shared::validate::{self, HttpUrl, Invalid, Validator};
use mercato_shared::ErrorCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement, TransactionTrait,
};

use super::secrets::new_signing_secret;
use super::{events_of, WAKE};
use crate::auth::CurrentUser;
use crate::entities::{
    partner_notices, partners, webhook_attempts as attempts, webhook_deliveries as deliveries,
    webhook_endpoints as endpoints,
};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::audit::{self, Subject};
use crate::{outbound, pagination, store, views};

/// Endpoints one partner may register.
pub const ENDPOINTS_MAX: u64 = 10;
const DESCRIPTION_MAX: usize = 200;
/// Notices shown, newest first.
const NOTICES_SHOWN: u64 = 100;

/// Records a change of an endpoint in the audit log, in the change's transaction.
async fn audit_endpoint(
    db: &impl ConnectionTrait,
    state: &AppState,
    user: &CurrentUser,
    action: AuditAction,
    partner: &partners::Model,
    endpoint: &endpoints::Model,
) -> ApiResult<()> {
    let what = serde_json::json!({
        "partner": partner.slug,
        "url": endpoint.url,
        "events": events_of(endpoint),
    });
    audit::record(
        db,
        state.settings.clock.now(),
        user.into(),
        action,
        Subject::Webhook(endpoint.id),
        what,
    )
    .await
}

/// The partner's endpoint `id` (404 for another partner's: ids say nothing).
async fn endpoint_of(
    db: &impl ConnectionTrait,
    partner: &partners::Model,
    id: i64,
) -> ApiResult<endpoints::Model> {
    endpoints::Entity::find_by_id(id)
        .filter(endpoints::Column::PartnerId.eq(partner.id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("webhook endpoint"))
}

/// A receiver URL: https on a public address, unless this server allows private receivers.
fn parse_url(raw: &str, allow_private: bool) -> Result<String, Invalid> {
    let url = HttpUrl::parse(raw)?.into_inner();
    if !allow_private && !url.to_ascii_lowercase().starts_with("https://") {
        return Err(Invalid::new("https_required", "must be an https:// URL"));
    }
    outbound::check_literal(&url, allow_private)
        .map_err(|e| Invalid::new("private_address", e.to_string()))?;
    Ok(url)
}

fn parse_events(events: &[WebhookEvent]) -> Result<Vec<WebhookEvent>, Invalid> {
    let mut out: Vec<WebhookEvent> = events.to_vec();
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(Invalid::new("required", "must name at least one event"));
    }
    Ok(out)
}

fn events_json(events: &[WebhookEvent]) -> String {
    serde_json::to_string(events).unwrap_or_else(|_| "[]".into())
}

/// Registers an endpoint; the answer holds the signing secret, once.
pub async fn register(
    state: &AppState,
    user: &CurrentUser,
    partner: &partners::Model,
    body: CreateWebhookEndpoint,
) -> ApiResult<WebhookEndpointWithSecret> {
    let mut v = Validator::new();
    let url = v.check(
        "url",
        parse_url(&body.url, state.settings.outbound_allow_private),
    );
    let events = v.check("events", parse_events(&body.events));
    let description = v.check_opt("description", body.description.clone(), |d| {
        validate::line(&d, 0, DESCRIPTION_MAX)
    });
    let (url, events, description) = v
        .finish(|| Some((url?, events?, description?)))
        .map_err(ApiError::Validation)?;
    let txn = state.db.write.begin().await?;
    let existing = endpoints::Entity::find()
        .filter(endpoints::Column::PartnerId.eq(partner.id))
        .count(&txn)
        .await?;
    if existing >= ENDPOINTS_MAX {
        return Err(ApiError::Conflict {
            code: ErrorCode::LimitReached,
            detail: format!("a partner may register at most {ENDPOINTS_MAX} webhook endpoints"),
            field: Some("url"),
        });
    }
    let secret = new_signing_secret();
    let now = state.settings.clock.now();
    let endpoint = endpoints::ActiveModel {
        partner_id: Set(partner.id),
        url: Set(url),
        description: Set(description.unwrap_or_default()),
        events: Set(events_json(&events)),
        secret_sealed: Set(state.webhook_secrets.seal(&secret)),
        status: Set(EndpointStatus::Active),
        disabled_reason: Set(None),
        disabled_at: Set(None),
        failing_since: Set(None),
        consecutive_failures: Set(0),
        last_success_at: Set(None),
        created_by: Set(Some(user.id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit_endpoint(
        &txn,
        state,
        user,
        AuditAction::WebhookCreated,
        partner,
        &endpoint,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(partner = %partner.slug, endpoint = endpoint.id, by = user.id, "webhook endpoint registered");
    Ok(WebhookEndpointWithSecret {
        endpoint: views::webhook_endpoint(&endpoint, &partner.slug),
        secret,
    })
}

pub async fn list(state: &AppState, partner: &partners::Model) -> ApiResult<Vec<WebhookEndpoint>> {
    let rows = endpoints::Entity::find()
        .filter(endpoints::Column::PartnerId.eq(partner.id))
        .order_by_asc(endpoints::Column::Id)
        .all(&state.db.read)
        .await?;
    Ok(rows
        .iter()
        .map(|e| views::webhook_endpoint(e, &partner.slug))
        .collect())
}

pub async fn get(
    state: &AppState,
    partner: &partners::Model,
    id: i64,
) -> ApiResult<WebhookEndpoint> {
    let endpoint = endpoint_of(&state.db.read, partner, id).await?;
    Ok(views::webhook_endpoint(&endpoint, &partner.slug))
}

/// Changes an endpoint. `enabled: true` switches a disabled one back on: its failure record
/// starts over and the deliveries held meanwhile resume.
pub async fn update(
    state: &AppState,
    partner: &partners::Model,
    id: i64,
    body: UpdateWebhookEndpoint,
) -> ApiResult<WebhookEndpoint> {
    let mut v = Validator::new();
    let allow_private = state.settings.outbound_allow_private;
    let url = v.check_opt("url", body.url.clone(), |u| parse_url(&u, allow_private));
    let events = v.check_opt("events", body.events.clone(), |e| parse_events(&e));
    let description = v.check_opt("description", body.description.clone(), |d| {
        validate::line(&d, 0, DESCRIPTION_MAX)
    });
    let (url, events, description) = v
        .finish(|| Some((url?, events?, description?)))
        .map_err(ApiError::Validation)?;
    let txn = state.db.write.begin().await?;
    let endpoint = endpoint_of(&txn, partner, id).await?;
    let was_active = endpoint.status == EndpointStatus::Active;
    let now = state.settings.clock.now();
    let mut row = endpoint.into_active_model();
    if let Some(url) = url {
        row.url = Set(url);
    }
    if let Some(events) = events {
        row.events = Set(events_json(&events));
    }
    if let Some(description) = description {
        row.description = Set(description);
    }
    match body.enabled {
        Some(true) if !was_active => {
            row.status = Set(EndpointStatus::Active);
            row.disabled_reason = Set(None);
            row.disabled_at = Set(None);
            row.failing_since = Set(None);
            row.consecutive_failures = Set(0);
        }
        Some(false) if was_active => {
            row.status = Set(EndpointStatus::Disabled);
            row.disabled_reason = Set(Some("switched off by a partner admin".into()));
            row.disabled_at = Set(Some(now));
        }
        _ => {}
    }
    row.updated_at = Set(now);
    let endpoint = row.update(&txn).await?;
    txn.commit().await?;
    if body.enabled == Some(true) && !was_active {
        WAKE.notify_one();
    }
    Ok(views::webhook_endpoint(&endpoint, &partner.slug))
}

/// Removes an endpoint with its delivery log.
pub async fn remove(
    state: &AppState,
    user: &CurrentUser,
    partner: &partners::Model,
    id: i64,
) -> ApiResult<()> {
    let txn = state.db.write.begin().await?;
    let endpoint = endpoint_of(&txn, partner, id).await?;
    let backend = txn.get_database_backend();
    txn.execute(Statement::from_sql_and_values(
        backend,
        store::sql(
            backend,
            "DELETE FROM webhook_attempts WHERE delivery_id IN \
             (SELECT id FROM webhook_deliveries WHERE endpoint_id = ?)",
        ),
        [endpoint.id.into()],
    ))
    .await?;
    deliveries::Entity::delete_many()
        .filter(deliveries::Column::EndpointId.eq(endpoint.id))
        .exec(&txn)
        .await?;
    endpoints::Entity::delete_by_id(endpoint.id)
        .exec(&txn)
        .await?;
    audit_endpoint(
        &txn,
        state,
        user,
        AuditAction::WebhookDeleted,
        partner,
        &endpoint,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(partner = %partner.slug, endpoint = endpoint.id, by = user.id, "webhook endpoint removed");
    Ok(())
}

/// Replaces the signing secret at once (deliveries from now on are signed with the new one);
/// the answer holds it, once.
pub async fn rotate_secret(
    state: &AppState,
    user: &CurrentUser,
    partner: &partners::Model,
    id: i64,
) -> ApiResult<WebhookEndpointWithSecret> {
    let txn = state.db.write.begin().await?;
    let endpoint = endpoint_of(&txn, partner, id).await?;
    let secret = new_signing_secret();
    let mut row = endpoint.into_active_model();
    row.secret_sealed = Set(state.webhook_secrets.seal(&secret));
    row.updated_at = Set(state.settings.clock.now());
    let endpoint = row.update(&txn).await?;
    audit_endpoint(
        &txn,
        state,
        user,
        AuditAction::WebhookSecretRotated,
        partner,
        &endpoint,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(partner = %partner.slug, endpoint = endpoint.id, by = user.id, "webhook secret rotated");
    Ok(WebhookEndpointWithSecret {
        endpoint: views::webhook_endpoint(&endpoint, &partner.slug),
        secret,
    })
}

/// Which deliveries to list: those of one status (`pending`, `delivered`, `failed`), older
/// than a cursor.
pub struct DeliveryFilter {
    pub status: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The endpoint's deliveries, newest first.
pub async fn deliveries(
    state: &AppState,
    partner: &partners::Model,
    id: i64,
    filter: DeliveryFilter,
) -> ApiResult<Page<WebhookDelivery>> {
    let endpoint = endpoint_of(&state.db.read, partner, id).await?;
    let limit = pagination::limit(filter.limit)?;
    let mut select = deliveries::Entity::find()
        .filter(deliveries::Column::EndpointId.eq(endpoint.id))
        .order_by_desc(deliveries::Column::Id)
        .limit(limit + 1);
    if let Some(raw) = &filter.status {
        let status = DeliveryStatus::parse(raw).ok_or_else(|| {
            pagination::invalid(
                "status",
                "invalid_choice",
                "must be pending, delivered or failed",
            )
        })?;
        select = select.filter(deliveries::Column::Status.eq(status));
    }
    if let Some(cursor) = &filter.cursor {
        let before: i64 = pagination::decode(cursor)?;
        select = select.filter(deliveries::Column::Id.lt(before));
    }
    let mut rows = select.all(&state.db.read).await?;
    let next_cursor = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|d| pagination::encode(&d.id))
    } else {
        None
    };
    Ok(Page {
        items: rows.iter().map(views::webhook_delivery).collect(),
        next_cursor,
    })
}

async fn delivery_of(
    db: &impl ConnectionTrait,
    endpoint: &endpoints::Model,
    id: i64,
) -> ApiResult<deliveries::Model> {
    deliveries::Entity::find_by_id(id)
        .filter(deliveries::Column::EndpointId.eq(endpoint.id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("webhook delivery"))
}

/// A delivery with its payload and every attempt (status, latency, response excerpt).
pub async fn delivery(
    state: &AppState,
    partner: &partners::Model,
    id: i64,
    delivery_id: i64,
) -> ApiResult<WebhookDeliveryDetail> {
    let endpoint = endpoint_of(&state.db.read, partner, id).await?;
    let d = delivery_of(&state.db.read, &endpoint, delivery_id).await?;
    let tries = attempts::Entity::find()
        .filter(attempts::Column::DeliveryId.eq(d.id))
        .order_by_asc(attempts::Column::Id)
        .all(&state.db.read)
        .await?;
    Ok(WebhookDeliveryDetail {
        delivery: views::webhook_delivery(&d),
        payload: serde_json::from_str(&d.payload).unwrap_or_default(),
        attempts: tries.into_iter().map(views::webhook_attempt).collect(),
    })
}

/// Sends a delivery's event again, as a new delivery with the same event id (and its own
/// retries), whatever became of the first. A disabled endpoint is refused.
pub async fn redeliver(
    state: &AppState,
    user: &CurrentUser,
    partner: &partners::Model,
    id: i64,
    delivery_id: i64,
) -> ApiResult<WebhookDelivery> {
    let endpoint = endpoint_of(&state.db.read, partner, id).await?;
    if endpoint.status != EndpointStatus::Active {
        return Err(ApiError::InvalidTransition {
            subject: "webhook endpoint",
            action: "redeliver to",
            status: endpoint.status.to_string(),
        });
    }
    let original = delivery_of(&state.db.read, &endpoint, delivery_id).await?;
    let now = state.settings.clock.now();
    let copy = deliveries::ActiveModel {
        endpoint_id: Set(endpoint.id),
        event_type: Set(original.event_type),
        event_id: Set(original.event_id.clone()),
        payload: Set(original.payload.clone()),
        status: Set(DeliveryStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        redelivery_of: Set(Some(original.id)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&state.db.write)
    .await?;
    WAKE.notify_one();
    tracing::info!(partner = %partner.slug, delivery = original.id, copy = copy.id, by = user.id, "webhook redelivery queued");
    Ok(views::webhook_delivery(&copy))
}

/// What the partner's admins must know, newest first.
pub async fn notices(state: &AppState, partner: &partners::Model) -> ApiResult<Vec<PartnerNotice>> {
    let rows = partner_notices::Entity::find()
        .filter(partner_notices::Column::PartnerId.eq(partner.id))
        .order_by_desc(partner_notices::Column::Id)
        .limit(NOTICES_SHOWN)
        .all(&state.db.read)
        .await?;
    Ok(rows.into_iter().map(views::partner_notice).collect())
}
