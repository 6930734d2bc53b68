//! Partner domain verification (see `verification/`): the status and instructions, starting
//! (issuing a token), and checking now. Partner admins do all three; marketplace admins see
//! the status and may check (support); other members and everyone else are refused — the
//! token is for the people who publish it.

use actix_web::{web, HttpResponse};
use mercato_shared::api::domain_verification::{DomainVerification, StartDomainVerification};

use crate::auth::CurrentUser;
use crate::domain::access::Need;
use crate::error::ApiResult;
use crate::http::extract::OptionalJson;
use crate::http::partner_in_path;
use crate::http::respond;
use crate::state::AppState;
use crate::verification::manage;

/// The partner's domain verification: its state, the token and how to publish it (partner
/// admins and marketplace admins).
#[utoipa::path(get, path = "/api/v1/partners/{slug}/domain-verification", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = DomainVerification), (status = 401, body = mercato_shared::Problem),
        (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem)))]
pub async fn status(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (partner, _) =
        partner_in_path(&state, Some(&user), &path, Need::AdministrationRead).await?;
    Ok(respond::ok(&manage::status(&state, &partner).await?))
}

/// Starts verifying the domain of the partner's website, or changes the method: issues a
/// token unless one exists for this domain (`regenerate` issues a new one anyway). Partner
/// admins only.
#[utoipa::path(post, path = "/api/v1/partners/{slug}/domain-verification", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body(content = Option<StartDomainVerification>),
    responses((status = 200, body = DomainVerification), (status = 401, body = mercato_shared::Problem),
        (status = 400, body = mercato_shared::Problem), (status = 403, body = mercato_shared::Problem),
        (status = 404, body = mercato_shared::Problem),
        (status = 409, description = "invalid_state_transition: the partner has no website with a domain name", body = mercato_shared::Problem),
        (status = 415, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn start(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    OptionalJson(req): OptionalJson<StartDomainVerification>,
) -> ApiResult<HttpResponse> {
    let (partner, _) = partner_in_path(&state, Some(&user), &path, Need::Administration).await?;
    Ok(respond::ok(
        &manage::start(&state, &user, &partner, req).await?,
    ))
}

/// Checks for the proof now and answers with the outcome (`last_check`: found, or why not).
/// A found proof gives the badge; a verified domain whose proof is missing loses it at the
/// second failed check in a row. Partner admins and marketplace admins.
#[utoipa::path(post, path = "/api/v1/partners/{slug}/domain-verification/check", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = DomainVerification), (status = 401, body = mercato_shared::Problem),
        (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem),
        (status = 409, description = "invalid_state_transition: no token issued yet", body = mercato_shared::Problem)))]
pub async fn check(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (partner, _) =
        partner_in_path(&state, Some(&user), &path, Need::AdministrationRead).await?;
    Ok(respond::ok(
        &manage::check_now(&state, &user, &partner).await?,
    ))
}
