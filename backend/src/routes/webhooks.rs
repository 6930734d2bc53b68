//! Webhook endpoints of a partner (its admins register, change, rotate and remove them; the
//! signing secret is shown once), the delivery log with every attempt, redelivery by hand,
//! and the notices a partner gets (an endpoint switched off).

use actix_web::{web, HttpResponse};
use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::webhooks::{
    CreateWebhookEndpoint, DeliveryStatus, EndpointStatus, PartnerNotice, UpdateWebhookEndpoint,
    WebhookAttempt, WebhookDelivery, WebhookDeliveryDetail, WebhookEndpoint,
    WebhookEndpointWithSecret, WebhookEvent,
};
use mercato_shared::api::Page;
use mercato_shared::validate::{self, HttpUrl, Invalid, Validator};
use mercato_shared::ErrorCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement, TransactionTrait,
};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::domain::access::{self, Need};
use crate::entities::{
    partner_notices, partners, webhook_attempts as attempts, webhook_deliveries as deliveries,
    webhook_endpoints as endpoints,
};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::respond::{self, path_slug};
use crate::state::AppState;
use crate::store::audit::{self, Subject};
use crate::webhooks::{events_of, secrets::new_signing_secret};
use crate::{outbound, pagination, store};

/// Endpoints one partner may register.
pub const ENDPOINTS_MAX: u64 = 10;
const DESCRIPTION_MAX: usize = 200;

fn view(e: &endpoints::Model, partner: &str) -> WebhookEndpoint {
    WebhookEndpoint {
        id: e.id,
        partner: partner.to_string(),
        url: e.url.clone(),
        description: e.description.clone(),
        events: events_of(e),
        status: e.status,
        disabled_reason: e.disabled_reason.clone(),
        disabled_at: e.disabled_at,
        failing_since: e.failing_since,
        consecutive_failures: e.consecutive_failures,
        last_success_at: e.last_success_at,
        created_at: e.created_at,
    }
}

/// Records a change of an endpoint in the audit log, in the change's transaction.
async fn audit_endpoint(
    db: &impl ConnectionTrait,
    at: chrono::DateTime<chrono::Utc>,
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
        at,
        user.into(),
        action,
        Subject::Webhook(endpoint.id),
        what,
    )
    .await
}

fn delivery_view(d: &deliveries::Model) -> WebhookDelivery {
    let status = d.status;
    WebhookDelivery {
        id: d.id,
        endpoint_id: d.endpoint_id,
        event: d.event_type,
        event_id: d.event_id.clone(),
        status,
        attempts: d.attempts,
        next_attempt_at: (status == DeliveryStatus::Pending).then_some(d.next_attempt_at),
        last_status_code: d.last_status_code,
        last_error: d.last_error.clone(),
        redelivery_of: d.redelivery_of,
        created_at: d.created_at,
        delivered_at: d.delivered_at,
    }
}

/// The partner of the path, if the caller may manage its webhooks (`write`: the partner's
/// admins) or read their log (also marketplace admins). Webhook payloads carry lead contacts,
/// so other members see neither.
async fn partner_for(
    state: &AppState,
    user: &CurrentUser,
    raw_slug: &str,
    write: bool,
) -> ApiResult<partners::Model> {
    let slug = path_slug(raw_slug, "partner")?;
    let need = if write {
        Need::Administration
    } else {
        Need::AdministrationRead
    };
    Ok(access::partner_for(&state.db.read, Some(user), &slug, need)
        .await?
        .0)
}

async fn endpoint_of(
    db: &impl ConnectionTrait,
    partner: &partners::Model,
    raw_id: &str,
) -> ApiResult<endpoints::Model> {
    let id = respond::path_id(raw_id, "webhook endpoint")?;
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

/// Registers an endpoint (the partner's admins); the answer holds the signing secret, once.
#[utoipa::path(post, path = "/api/v1/partners/{slug}/webhooks", tag = "webhooks", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = CreateWebhookEndpoint,
    responses((status = 201, body = WebhookEndpointWithSecret), (status = 403, body = mercato_shared::Problem),
        (status = 409, description = "limit_reached", body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<CreateWebhookEndpoint>,
) -> ApiResult<HttpResponse> {
    let partner = partner_for(&state, &user, &path, true).await?;
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
        state.settings.clock.now(),
        &user,
        AuditAction::WebhookCreated,
        &partner,
        &endpoint,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(partner = %partner.slug, endpoint = endpoint.id, by = user.id, "webhook endpoint registered");
    Ok(respond::created(
        &format!("/api/v1/partners/{}/webhooks/{}", partner.slug, endpoint.id),
        &WebhookEndpointWithSecret {
            endpoint: view(&endpoint, &partner.slug),
            secret,
        },
    ))
}

#[utoipa::path(get, path = "/api/v1/partners/{slug}/webhooks", tag = "webhooks", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<WebhookEndpoint>), (status = 403, body = mercato_shared::Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let partner = partner_for(&state, &user, &path, false).await?;
    let rows = endpoints::Entity::find()
        .filter(endpoints::Column::PartnerId.eq(partner.id))
        .order_by_asc(endpoints::Column::Id)
        .all(&state.db.read)
        .await?;
    Ok(respond::ok(
        &rows
            .iter()
            .map(|e| view(e, &partner.slug))
            .collect::<Vec<_>>(),
    ))
}

#[utoipa::path(get, path = "/api/v1/partners/{slug}/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = WebhookEndpoint), (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let partner = partner_for(&state, &user, &slug, false).await?;
    let endpoint = endpoint_of(&state.db.read, &partner, &id).await?;
    Ok(respond::ok(&view(&endpoint, &partner.slug)))
}

/// Changes an endpoint. `enabled: true` switches a disabled one back on: its failure record
/// starts over and the deliveries held meanwhile resume.
#[utoipa::path(patch, path = "/api/v1/partners/{slug}/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)), request_body = UpdateWebhookEndpoint,
    responses((status = 200, body = WebhookEndpoint), (status = 403, body = mercato_shared::Problem),
        (status = 404, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateWebhookEndpoint>,
) -> ApiResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let partner = partner_for(&state, &user, &slug, true).await?;
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
    let endpoint = endpoint_of(&txn, &partner, &id).await?;
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
        crate::webhooks::WAKE.notify_one();
    }
    Ok(respond::ok(&view(&endpoint, &partner.slug)))
}

/// Removes an endpoint with its delivery log.
#[utoipa::path(delete, path = "/api/v1/partners/{slug}/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem)))]
pub async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let partner = partner_for(&state, &user, &slug, true).await?;
    let txn = state.db.write.begin().await?;
    let endpoint = endpoint_of(&txn, &partner, &id).await?;
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
        state.settings.clock.now(),
        &user,
        AuditAction::WebhookDeleted,
        &partner,
        &endpoint,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(partner = %partner.slug, endpoint = endpoint.id, by = user.id, "webhook endpoint removed");
    Ok(respond::no_content())
}

/// Replaces the signing secret at once (deliveries from now on are signed with the new one);
/// the answer holds it, once.
#[utoipa::path(post, path = "/api/v1/partners/{slug}/webhooks/{id}/rotate-secret", tag = "webhooks", security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = WebhookEndpointWithSecret), (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem)))]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let partner = partner_for(&state, &user, &slug, true).await?;
    let txn = state.db.write.begin().await?;
    let endpoint = endpoint_of(&txn, &partner, &id).await?;
    let secret = new_signing_secret();
    let mut row = endpoint.into_active_model();
    row.secret_sealed = Set(state.webhook_secrets.seal(&secret));
    row.updated_at = Set(state.settings.clock.now());
    let endpoint = row.update(&txn).await?;
    audit_endpoint(
        &txn,
        state.settings.clock.now(),
        &user,
        AuditAction::WebhookSecretRotated,
        &partner,
        &endpoint,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(partner = %partner.slug, endpoint = endpoint.id, by = user.id, "webhook secret rotated");
    Ok(respond::ok(&WebhookEndpointWithSecret {
        endpoint: view(&endpoint, &partner.slug),
        secret,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    pub status: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The endpoint's deliveries, newest first.
#[utoipa::path(get, path = "/api/v1/partners/{slug}/webhooks/{id}/deliveries", tag = "webhooks", security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path), DeliveryQuery),
    responses((status = 200, body = Page<WebhookDelivery>), (status = 400, body = mercato_shared::Problem),
        (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem)))]
pub async fn deliveries_of(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    ApiQuery(query): ApiQuery<DeliveryQuery>,
) -> ApiResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let partner = partner_for(&state, &user, &slug, false).await?;
    let endpoint = endpoint_of(&state.db.read, &partner, &id).await?;
    let limit = pagination::limit(query.limit)?;
    let mut select = deliveries::Entity::find()
        .filter(deliveries::Column::EndpointId.eq(endpoint.id))
        .order_by_desc(deliveries::Column::Id)
        .limit(limit + 1);
    if let Some(raw) = &query.status {
        let status = DeliveryStatus::parse(raw).ok_or_else(|| {
            pagination::invalid(
                "status",
                "invalid_choice",
                "must be pending, delivered or failed",
            )
        })?;
        select = select.filter(deliveries::Column::Status.eq(status.as_str()));
    }
    if let Some(cursor) = &query.cursor {
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
    Ok(respond::ok(&Page {
        items: rows.iter().map(delivery_view).collect(),
        next_cursor,
    }))
}

async fn delivery_of(
    db: &impl ConnectionTrait,
    endpoint: &endpoints::Model,
    raw_id: &str,
) -> ApiResult<deliveries::Model> {
    let id = respond::path_id(raw_id, "webhook delivery")?;
    deliveries::Entity::find_by_id(id)
        .filter(deliveries::Column::EndpointId.eq(endpoint.id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("webhook delivery"))
}

/// A delivery with its payload and every attempt (status, latency, response excerpt).
#[utoipa::path(get, path = "/api/v1/partners/{slug}/webhooks/{id}/deliveries/{delivery}", tag = "webhooks", security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path), ("delivery" = i64, Path)),
    responses((status = 200, body = WebhookDeliveryDetail), (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem)))]
pub async fn delivery(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String, String)>,
) -> ApiResult<HttpResponse> {
    let (slug, id, delivery_id) = path.into_inner();
    let partner = partner_for(&state, &user, &slug, false).await?;
    let endpoint = endpoint_of(&state.db.read, &partner, &id).await?;
    let d = delivery_of(&state.db.read, &endpoint, &delivery_id).await?;
    let tries = attempts::Entity::find()
        .filter(attempts::Column::DeliveryId.eq(d.id))
        .order_by_asc(attempts::Column::Id)
        .all(&state.db.read)
        .await?;
    Ok(respond::ok(&WebhookDeliveryDetail {
        delivery: delivery_view(&d),
        payload: serde_json::from_str(&d.payload).unwrap_or_default(),
        attempts: tries
            .into_iter()
            .map(|a| WebhookAttempt {
                at: a.at,
                status_code: a.status_code,
                latency_ms: a.latency_ms,
                error: a.error,
                response_excerpt: a.response_excerpt,
            })
            .collect(),
    }))
}

/// Sends a delivery's event again, as a new delivery with the same event id (and its own
/// retries), whatever became of the first.
#[utoipa::path(post, path = "/api/v1/partners/{slug}/webhooks/{id}/deliveries/{delivery}/redeliver", tag = "webhooks", security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path), ("delivery" = i64, Path)),
    responses((status = 202, body = WebhookDelivery), (status = 403, body = mercato_shared::Problem),
        (status = 404, body = mercato_shared::Problem), (status = 409, description = "the endpoint is disabled", body = mercato_shared::Problem)))]
pub async fn redeliver(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String, String)>,
) -> ApiResult<HttpResponse> {
    let (slug, id, delivery_id) = path.into_inner();
    let partner = partner_for(&state, &user, &slug, true).await?;
    let endpoint = endpoint_of(&state.db.read, &partner, &id).await?;
    if endpoint.status != EndpointStatus::Active {
        return Err(ApiError::InvalidTransition {
            subject: "webhook endpoint",
            action: "redeliver to",
            status: endpoint.status.to_string(),
        });
    }
    let original = delivery_of(&state.db.read, &endpoint, &delivery_id).await?;
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
    crate::webhooks::WAKE.notify_one();
    tracing::info!(partner = %partner.slug, delivery = original.id, copy = copy.id, by = user.id, "webhook redelivery queued");
    Ok(HttpResponse::Accepted().json(delivery_view(&copy)))
}

/// What the partner's admins must know, newest first (the latest 100).
#[utoipa::path(get, path = "/api/v1/partners/{slug}/notices", tag = "webhooks", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<PartnerNotice>), (status = 403, body = mercato_shared::Problem)))]
pub async fn notices(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let partner = partner_for(&state, &user, &path, false).await?;
    let rows = partner_notices::Entity::find()
        .filter(partner_notices::Column::PartnerId.eq(partner.id))
        .order_by_desc(partner_notices::Column::Id)
        .limit(100)
        .all(&state.db.read)
        .await?;
    Ok(respond::ok(
        &rows
            .into_iter()
            .map(|n| PartnerNotice {
                id: n.id,
                kind: n.kind,
                message: n.message,
                endpoint_id: n.endpoint_id,
                created_at: n.created_at,
            })
            .collect::<Vec<_>>(),
    ))
}
