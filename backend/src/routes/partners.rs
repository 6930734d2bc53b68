//! Partners: applications, public profiles, profile edits, and admin decisions (approval,
//! suspension, tier, certifications) (the use cases are `partners::applications`,
//! `partners::profile`, `partners::status` and `partners::program`).

use actix_web::{web, HttpRequest, HttpResponse};
use mercato_shared::api::listings::ListingSummary;
use mercato_shared::api::partners::{
    Partner, PartnerApplication, PartnerStatus, PartnerSummary, PartnerUpdate,
    SetCertificationsRequest, SetTierRequest, StatusChange, StatusNote,
};
use mercato_shared::api::Page;
use serde::Deserialize;

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::ApiResult;
use crate::http::extract::{ApiJson, ApiQuery, OptionalJson};
use crate::http::respond::{self, path_slug};
use crate::partners::status::{self, StatusAction};
use crate::partners::{applications, profile, program};
use crate::state::AppState;

/// Applies to become a partner. The applicant becomes the partner's first admin; the partner
/// is `applied` until a marketplace admin approves it.
#[utoipa::path(post, path = "/api/v1/partners", tag = "partners", security(("bearer" = [])),
    request_body = PartnerApplication,
    responses(
        (status = 201, body = Partner),
        (status = 409, description = "slug_taken", body = mercato_shared::Problem),
        (status = 422, body = mercato_shared::Problem),
    ))]
pub async fn apply(
    state: web::Data<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<PartnerApplication>,
) -> ApiResult<HttpResponse> {
    let partner = applications::apply(&state, &user, req).await?;
    Ok(respond::created(
        &format!("/api/v1/partners/{}", partner.slug),
        &partner,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PartnerListQuery {
    /// Admins only: list partners in another status (e.g. `applied` for the approval queue).
    pub status: Option<PartnerStatus>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Active partners by name (admins can list other statuses).
#[utoipa::path(get, path = "/api/v1/partners", tag = "partners", security((), ("bearer" = [])), params(PartnerListQuery),
    responses((status = 200, body = Page<PartnerSummary>)))]
pub async fn list(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    ApiQuery(q): ApiQuery<PartnerListQuery>,
) -> ApiResult<HttpResponse> {
    let (status, cursor) = (q.status, q.cursor.as_deref());
    let page = profile::list(&state, user.as_ref(), status, q.limit, cursor).await?;
    Ok(respond::ok(&page))
}

/// A partner's public profile.
#[utoipa::path(get, path = "/api/v1/partners/{slug}", tag = "partners", security((), ("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Partner), (status = 404, body = mercato_shared::Problem)))]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "partner")?;
    let partner = profile::get(&state, user.as_ref(), &slug).await?;
    Ok(respond::cacheable(&req, &partner))
}

/// Edits the profile (partner admins).
#[utoipa::path(patch, path = "/api/v1/partners/{slug}", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = PartnerUpdate,
    responses((status = 200, body = Partner), (status = 403, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<PartnerUpdate>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "partner")?;
    Ok(respond::ok(
        &profile::update(&state, &user, &slug, req).await?,
    ))
}

/// An admin's move of the status of the partner in the path.
async fn change_status(
    state: &AppState,
    user: &CurrentUser,
    raw_slug: &str,
    action: StatusAction,
    body: StatusNote,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let slug = path_slug(raw_slug, "partner")?;
    Ok(respond::ok(
        &status::change(state, user, &slug, action, body.note).await?,
    ))
}

/// Approves an application, or reinstates a suspended partner (admins).
#[utoipa::path(post, path = "/api/v1/partners/{slug}/approve", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body(content = StatusNote, description = "Optional"),
    responses((status = 200, body = Partner), (status = 403, body = mercato_shared::Problem), (status = 409, body = mercato_shared::Problem)))]
pub async fn approve(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    OptionalJson(body): OptionalJson<StatusNote>,
) -> ApiResult<HttpResponse> {
    change_status(&state, &user, &path, StatusAction::Approve, body).await
}

/// Suspends a partner (admins): all its listings disappear from public reads at once.
#[utoipa::path(post, path = "/api/v1/partners/{slug}/suspend", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body(content = StatusNote, description = "Optional"),
    responses((status = 200, body = Partner), (status = 403, body = mercato_shared::Problem), (status = 409, body = mercato_shared::Problem)))]
pub async fn suspend(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    OptionalJson(body): OptionalJson<StatusNote>,
) -> ApiResult<HttpResponse> {
    change_status(&state, &user, &path, StatusAction::Suspend, body).await
}

/// Sets the partner's program tier (admins).
#[utoipa::path(put, path = "/api/v1/partners/{slug}/tier", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = SetTierRequest,
    responses((status = 200, body = Partner), (status = 403, body = mercato_shared::Problem)))]
pub async fn set_tier(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<SetTierRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let slug = path_slug(&path, "partner")?;
    Ok(respond::ok(
        &program::set_tier(&state, &user, &slug, req.tier).await?,
    ))
}

/// Replaces the partner's certifications (admins).
#[utoipa::path(put, path = "/api/v1/partners/{slug}/certifications", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = SetCertificationsRequest,
    responses((status = 200, body = Partner), (status = 403, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn set_certifications(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<SetCertificationsRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let slug = path_slug(&path, "partner")?;
    Ok(respond::ok(
        &program::set_certifications(&state, &user, &slug, req).await?,
    ))
}

/// The partner's status changes (its members and admins).
#[utoipa::path(get, path = "/api/v1/partners/{slug}/history", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<StatusChange>), (status = 403, body = mercato_shared::Problem)))]
pub async fn history(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "partner")?;
    Ok(respond::ok(&status::history(&state, &user, &slug).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The partner's listings: published ones for everyone; every status for its members and
/// marketplace admins.
#[utoipa::path(get, path = "/api/v1/partners/{slug}/listings", tag = "partners", security((), ("bearer" = [])),
    params(("slug" = String, Path), PageQuery),
    responses((status = 200, body = Page<ListingSummary>)))]
pub async fn listings(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    path: web::Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "partner")?;
    let cursor = q.cursor.as_deref();
    let page = profile::listings(&state, user.as_ref(), &slug, q.limit, cursor).await?;
    Ok(respond::ok(&page))
}
