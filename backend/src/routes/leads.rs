//! Leads: captured on the marketplace (anonymous or signed in), routed to one partner by the
//! admins' rules; partners see theirs, admins see every decision and edit the rules. The use
//! cases are in `leads` (`capture`, `inbox`, `pipeline`, `rules`).

use actix_web::{web, HttpRequest, HttpResponse};
use mercato_shared::api::leads::{
    CreateLead, DeclineLead, Lead, LeadDetail, LeadReceipt, LeadStatus, MoveLead, RoutingRules,
};
use serde::Deserialize;

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::ApiResult;
use crate::http::extract::{client_address_hash, ApiJson, ApiQuery};
use crate::http::respond::{self, path_id, path_slug};
use crate::leads::{capture, inbox, pipeline, rules};
use crate::state::AppState;

/// Submits a lead (anyone). It is routed at once; a second submission by the same email for
/// the same listing within a day joins the first.
#[utoipa::path(post, path = "/api/v1/leads", tag = "leads", security((), ("bearer" = [])), request_body = CreateLead,
    responses((status = 202, body = LeadReceipt), (status = 422, body = mercato_shared::Problem),
        (status = 429, body = mercato_shared::Problem)))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    ApiJson(body): ApiJson<CreateLead>,
) -> ApiResult<HttpResponse> {
    let receipt = capture::capture(&state, user.as_ref(), body, client_address_hash(&req)).await?;
    Ok(HttpResponse::Accepted().json(receipt))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PartnerLeadsQuery {
    pub status: Option<LeadStatus>,
}

/// The leads routed to a partner (its members, admins), newest first.
#[utoipa::path(get, path = "/api/v1/partners/{slug}/leads", tag = "leads", security(("bearer" = [])),
    params(("slug" = String, Path), PartnerLeadsQuery),
    responses((status = 200, body = Vec<Lead>), (status = 403, body = mercato_shared::Problem)))]
pub async fn for_partner(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiQuery(q): ApiQuery<PartnerLeadsQuery>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "partner")?;
    Ok(respond::ok(
        &inbox::for_partner(&state, &user, &slug, q.status).await?,
    ))
}

/// A lead with every routing decision and its reasons (admins).
#[utoipa::path(get, path = "/api/v1/admin/leads/{id}", tag = "leads", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = LeadDetail), (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem)))]
pub async fn detail(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let id = path_id(&path, "lead")?;
    Ok(respond::ok(&inbox::detail(&state, id).await?))
}

/// The routing rules (admins).
#[utoipa::path(get, path = "/api/v1/admin/routing-rules", tag = "leads", security(("bearer" = [])),
    responses((status = 200, body = RoutingRules), (status = 403, body = mercato_shared::Problem)))]
pub async fn get_rules(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    Ok(respond::ok(&rules::load(&state.db.read).await?))
}

/// Replaces the routing rules (admins). Every partner and category named must exist.
#[utoipa::path(put, path = "/api/v1/admin/routing-rules", tag = "leads", security(("bearer" = [])),
    request_body = RoutingRules,
    responses((status = 200, body = RoutingRules), (status = 403, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn put_rules(
    state: web::Data<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<RoutingRules>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    Ok(respond::ok(&rules::replace(&state, &user, body).await?))
}

/// Accepts a lead routed to the caller's partner (its members), within or after the SLA as
/// long as it has not been re-routed yet.
#[utoipa::path(post, path = "/api/v1/leads/{id}/accept", tag = "leads", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Lead), (status = 404, body = mercato_shared::Problem), (status = 409, description = "invalid_state_transition, or lead_moved: it was re-assigned or moved meanwhile", body = mercato_shared::Problem)))]
pub async fn accept(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&path, "lead")?;
    Ok(respond::ok(&pipeline::accept(&state, &user, id).await?))
}

/// Declines a lead routed to the caller's partner: it goes to the next eligible partner at once.
#[utoipa::path(post, path = "/api/v1/leads/{id}/decline", tag = "leads", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = DeclineLead,
    responses((status = 204), (status = 404, body = mercato_shared::Problem), (status = 409, description = "invalid_state_transition, or lead_moved: it was re-assigned or moved meanwhile", body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn decline(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<DeclineLead>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&path, "lead")?;
    pipeline::decline(&state, &user, id, body).await?;
    // The lead is no longer the caller's to see.
    Ok(respond::no_content())
}

/// Moves an accepted lead along the pipeline (the holding partner's members).
#[utoipa::path(post, path = "/api/v1/leads/{id}/status", tag = "leads", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = MoveLead,
    responses((status = 200, body = Lead), (status = 404, body = mercato_shared::Problem), (status = 409, description = "invalid_state_transition, or lead_moved: it was re-assigned or moved meanwhile", body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn move_status(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<MoveLead>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&path, "lead")?;
    Ok(respond::ok(
        &pipeline::advance(&state, &user, id, body).await?,
    ))
}
