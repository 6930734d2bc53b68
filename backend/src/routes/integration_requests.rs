//! Integration requests: anyone asks for an integration or votes for one (once per person);
//! admins link a request to the listing that ships it, and its consenting voters become leads
//! for that listing's partner. The use cases are in `integration_requests`.

use actix_web::{web, HttpRequest, HttpResponse};
use mercato_shared::api::integration_requests::{
    CreateIntegrationRequest, IntegrationRequest, RequestStatus, ShipRequest, Shipped, Vote,
};
use mercato_shared::api::Page;
use serde::Deserialize;

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::ApiResult;
use crate::http::extract::{client_address_hash, ApiJson, ApiQuery};
use crate::http::respond::{self, path_id};
use crate::integration_requests::{self as requests, shipping};
use crate::pagination;
use crate::state::AppState;

/// Asks for an integration (anyone). An open request for the same tool gets the vote instead.
#[utoipa::path(post, path = "/api/v1/integration-requests", tag = "integration requests", security((), ("bearer" = [])),
    request_body = CreateIntegrationRequest,
    responses((status = 201, body = IntegrationRequest), (status = 200, description = "voted for the open request for that tool", body = IntegrationRequest),
        (status = 409, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem), (status = 429, body = mercato_shared::Problem)))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    ApiJson(body): ApiJson<CreateIntegrationRequest>,
) -> ApiResult<HttpResponse> {
    let (body, created) =
        requests::ask(&state, user.as_ref(), body, client_address_hash(&req)).await?;
    Ok(if created {
        respond::created(&format!("/api/v1/integration-requests/{}", body.id), &body)
    } else {
        respond::ok(&body)
    })
}

/// Votes for an open request (anyone; once per account or email).
#[utoipa::path(post, path = "/api/v1/integration-requests/{id}/votes", tag = "integration requests", security((), ("bearer" = [])),
    params(("id" = i64, Path)), request_body = Vote,
    responses((status = 200, body = IntegrationRequest), (status = 404, body = mercato_shared::Problem),
        (status = 409, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem),
        (status = 429, description = "rate_limited: too many votes from this address in the last hour", body = mercato_shared::Problem)))]
pub async fn vote(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<Vote>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&path, "integration request")?;
    let voted =
        requests::vote_for(&state, user.as_ref(), id, body, client_address_hash(&req)).await?;
    Ok(respond::ok(&voted))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `open` (default) or `shipped`.
    pub status: Option<RequestStatus>,
    /// 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// Integration requests, most votes first (anyone).
#[utoipa::path(get, path = "/api/v1/integration-requests", tag = "integration requests",
    params(ListQuery),
    responses((status = 200, body = mercato_shared::api::Page<IntegrationRequest>), (status = 400, body = mercato_shared::Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<HttpResponse> {
    let limit = pagination::limit(q.limit)? as u32;
    // Votes change under a reader, so the cursor is a position, not a key.
    let offset: u64 = match &q.cursor {
        None => 0,
        Some(c) => c.parse().map_err(|_| {
            pagination::invalid("cursor", "invalid_value", "not a cursor this list gave")
        })?,
    };
    let status = q.status.unwrap_or(RequestStatus::Open);
    let (items, more) = requests::ranked(&state, status, offset, limit).await?;
    Ok(respond::ok(&Page {
        items,
        next_cursor: more.then(|| (offset + u64::from(limit)).to_string()),
    }))
}

/// Links a request to the listing that now does it (admins): the request is shipped, and each
/// voter who agreed becomes an introduction lead for the listing's partner.
#[utoipa::path(post, path = "/api/v1/admin/integration-requests/{id}/ship", tag = "integration requests",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = ShipRequest,
    responses((status = 200, body = Shipped), (status = 403, body = mercato_shared::Problem),
        (status = 404, body = mercato_shared::Problem), (status = 409, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn ship(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<ShipRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let id = path_id(&path, "integration request")?;
    Ok(respond::ok(&shipping::ship(&state, &user, id, body).await?))
}
