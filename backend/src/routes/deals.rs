//! Deal registrations (partner members register and close; admins see conflicts) and partner
//! scorecards (admins and analysts rank every partner; each partner sees its own). The use
//! cases are in `deals`.

use actix_web::{web, HttpResponse};
use mercato_shared::api::deals::{CloseDeal, DealRegistration, RegisterDeal, Scorecard};
use serde::Deserialize;

use crate::analytics::scorecard;
use crate::auth::CurrentUser;
use crate::deals::{registrations, scorecards};
use crate::error::ApiResult;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::respond::{self, path_id, path_slug};
use crate::state::AppState;

/// Registers an opportunity (the partner's members). While another partner has an active
/// registration for the same account, this one is recorded as a conflict for admins: the
/// first registration wins.
#[utoipa::path(post, path = "/api/v1/partners/{slug}/deal-registrations", tag = "deals", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = RegisterDeal,
    responses((status = 201, body = DealRegistration), (status = 403, body = mercato_shared::Problem),
        (status = 409, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn register(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<RegisterDeal>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "partner")?;
    let deal = registrations::register(&state, &user, &slug, body).await?;
    Ok(respond::created(
        &format!(
            "/api/v1/partners/{}/deal-registrations/{}",
            deal.partner, deal.id
        ),
        &deal,
    ))
}

/// A partner's registrations, newest first (its members, admins).
#[utoipa::path(get, path = "/api/v1/partners/{slug}/deal-registrations", tag = "deals", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<DealRegistration>), (status = 403, body = mercato_shared::Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "partner")?;
    Ok(respond::ok(
        &registrations::list(&state, &user, &slug).await?,
    ))
}

/// Closes an active registration as won, lost or withdrawn (the partner's members).
#[utoipa::path(post, path = "/api/v1/partners/{slug}/deal-registrations/{id}/close", tag = "deals", security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)), request_body = CloseDeal,
    responses((status = 200, body = DealRegistration), (status = 403, body = mercato_shared::Problem),
        (status = 404, body = mercato_shared::Problem), (status = 409, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn close(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    ApiJson(body): ApiJson<CloseDeal>,
) -> ApiResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let slug = path_slug(&slug, "partner")?;
    let id = path_id(&id, "deal registration")?;
    Ok(respond::ok(
        &registrations::close(&state, &user, &slug, id, body).await?,
    ))
}

/// Registrations in conflict, each with the one that was first (admins).
#[utoipa::path(get, path = "/api/v1/admin/deal-registrations/conflicts", tag = "deals", security(("bearer" = [])),
    responses((status = 200, body = Vec<DealRegistration>), (status = 403, body = mercato_shared::Problem)))]
pub async fn conflicts(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    Ok(respond::ok(&registrations::conflicts(&state).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ScorecardQuery {
    /// `pipeline` (default), `win_rate`, `cycle`, `sla` or `mau`.
    #[param(inline)]
    pub sort: Option<scorecard::SortBy>,
}

/// Every active partner's scorecard, ranked (admins, analysts).
#[utoipa::path(get, path = "/api/v1/analytics/partners", tag = "deals", security(("bearer" = [])),
    params(ScorecardQuery),
    responses((status = 200, body = Vec<Scorecard>), (status = 403, body = mercato_shared::Problem)))]
pub async fn ranking(
    state: web::Data<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ScorecardQuery>,
) -> ApiResult<HttpResponse> {
    user.require_staff("only marketplace admins and analysts rank partners")?;
    Ok(respond::ok(
        &scorecards::ranking(&state, q.sort.unwrap_or_default()).await?,
    ))
}

/// One partner's scorecard (its members, admins, analysts).
#[utoipa::path(get, path = "/api/v1/partners/{slug}/scorecard", tag = "deals", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Scorecard), (status = 403, body = mercato_shared::Problem)))]
pub async fn own(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "partner")?;
    Ok(respond::ok(&scorecards::own(&state, &user, &slug).await?))
}
