//! Webhook endpoints of a partner (its admins register, change, rotate and remove them; the
//! signing secret is shown once), the delivery log with every attempt, redelivery by hand,
//! and the notices a partner gets. The use cases are `webhooks::management`; here, the
//! partner's admins (changes) and marketplace admins (reading) are let in. Webhook payloads
//! carry lead contacts, so other members see neither.

use actix_web::{web, HttpResponse};
use mercato_shared::api::webhooks::{
    CreateWebhookEndpoint, PartnerNotice, UpdateWebhookEndpoint, WebhookDelivery,
    WebhookDeliveryDetail, WebhookEndpoint, WebhookEndpointWithSecret,
};
use mercato_shared::api::Page;
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::domain::access::Need;
use crate::error::ApiResult;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::partner_in_path;
use crate::http::respond::{self, path_id};
use crate::state::AppState;
use crate::webhooks::management::{self as endpoints, DeliveryFilter};

fn endpoint_id(raw: &str) -> ApiResult<i64> {
    path_id(raw, "webhook endpoint")
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
    let (partner, _) = partner_in_path(&state, Some(&user), &path, Need::Administration).await?;
    let created = endpoints::register(&state, &user, &partner, body).await?;
    Ok(respond::created(
        &format!(
            "/api/v1/partners/{}/webhooks/{}",
            partner.slug, created.endpoint.id
        ),
        &created,
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
    let (partner, _) =
        partner_in_path(&state, Some(&user), &path, Need::AdministrationRead).await?;
    Ok(respond::ok(&endpoints::list(&state, &partner).await?))
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
    let (partner, _) =
        partner_in_path(&state, Some(&user), &slug, Need::AdministrationRead).await?;
    Ok(respond::ok(
        &endpoints::get(&state, &partner, endpoint_id(&id)?).await?,
    ))
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
    let (partner, _) = partner_in_path(&state, Some(&user), &slug, Need::Administration).await?;
    let changed = endpoints::update(&state, &partner, endpoint_id(&id)?, body).await?;
    Ok(respond::ok(&changed))
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
    let (partner, _) = partner_in_path(&state, Some(&user), &slug, Need::Administration).await?;
    endpoints::remove(&state, &user, &partner, endpoint_id(&id)?).await?;
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
    let (partner, _) = partner_in_path(&state, Some(&user), &slug, Need::Administration).await?;
    let rotated = endpoints::rotate_secret(&state, &user, &partner, endpoint_id(&id)?).await?;
    Ok(respond::ok(&rotated))
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
    let (partner, _) =
        partner_in_path(&state, Some(&user), &slug, Need::AdministrationRead).await?;
    let filter = DeliveryFilter {
        status: query.status,
        limit: query.limit,
        cursor: query.cursor,
    };
    let page = endpoints::deliveries(&state, &partner, endpoint_id(&id)?, filter).await?;
    Ok(respond::ok(&page))
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
    let (partner, _) =
        partner_in_path(&state, Some(&user), &slug, Need::AdministrationRead).await?;
    let delivery_id = path_id(&delivery_id, "webhook delivery")?;
    let detail = endpoints::delivery(&state, &partner, endpoint_id(&id)?, delivery_id).await?;
    Ok(respond::ok(&detail))
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
    let (partner, _) = partner_in_path(&state, Some(&user), &slug, Need::Administration).await?;
    let id = endpoint_id(&id)?;
    let delivery_id = path_id(&delivery_id, "webhook delivery")?;
    let copy = endpoints::redeliver(&state, &user, &partner, id, delivery_id).await?;
    Ok(HttpResponse::Accepted().json(copy))
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
    let (partner, _) =
        partner_in_path(&state, Some(&user), &path, Need::AdministrationRead).await?;
    Ok(respond::ok(&endpoints::notices(&state, &partner).await?))
}
