//! Single sign-on routes: the providers, starting a sign-in (or a link), the provider's
//! callback, the hand-over of the session to the web app, the account's identities, and
//! partners' SSO requirements. The flow is described in `crate::sso`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use mercato_shared::api::sso::{
    Identity, PartnerSso, PartnerSsoRequest, SsoExchangeRequest, SsoProvider, SsoStartRequest,
    SsoStartResponse,
};

use crate::auth::{CurrentUser, MaybeUser};
use crate::domain::access::Need;
use crate::error::ApiResult;
use crate::http::extract::{client_ip, ApiJson};
use crate::http::partner_in_path;
use crate::http::respond::{self, path_id};
use crate::sso::{flow, identities, requirement};
use crate::state::AppState;

fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// The configured sign-in providers, for "Continue with …" buttons.
#[utoipa::path(get, path = "/api/v1/auth/sso", tag = "auth",
    responses((status = 200, body = Vec<SsoProvider>)))]
pub async fn providers(state: web::Data<AppState>) -> HttpResponse {
    respond::ok(&state.sso.public())
}

/// Starts a single sign-on: answers the provider's authorization URL (with PKCE, `state` and
/// `nonce`) for the browser to go to. With `link` and a token, the provider is linked to the
/// signed-in account instead.
#[utoipa::path(post, path = "/api/v1/auth/sso/{provider}/start", tag = "auth",
    params(("provider" = String, Path, description = "A configured provider's id")),
    request_body = SsoStartRequest,
    responses(
        (status = 200, body = SsoStartResponse),
        (status = 401, description = "`link` without a token", body = mercato_shared::Problem),
        (status = 404, description = "No such provider", body = mercato_shared::Problem),
        (status = 422, description = "`return_to` is not a path on this site", body = mercato_shared::Problem),
        (status = 503, description = "The provider cannot be reached", body = mercato_shared::Problem),
    ))]
pub async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    MaybeUser(user): MaybeUser,
    ApiJson(body): ApiJson<SsoStartRequest>,
) -> ApiResult<HttpResponse> {
    let origin = crate::pages::origin(&req, &state);
    let started = flow::start(&state, &path, user.as_ref(), body, &origin).await?;
    Ok(respond::ok(&started))
}

/// Where the provider sends the browser back: checks the state, exchanges the code, verifies
/// the identity, and sends the browser on to the web app — `/sign-in/complete?code=…` with a
/// one-time hand-over code, the page it came from after a link, or `/sign-in?sso_error=…`.
#[utoipa::path(get, path = "/api/v1/auth/sso/{provider}/callback", tag = "auth",
    params(
        ("provider" = String, Path, description = "A configured provider's id"),
        ("code" = Option<String>, Query, description = "The authorization code"),
        ("state" = Option<String>, Query, description = "The state sent to the provider"),
        ("error" = Option<String>, Query, description = "The provider's error code"),
    ),
    responses((status = 303, description = "To the web app (success or `sso_error`)")))]
pub async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    // Providers add parameters of their own (`iss`, `session_state`, `scope`): not strict.
    let query: flow::Callback = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let page = flow::callback(&state, &path, query, client_ip(&req)).await?;
    Ok(redirect(&page))
}

/// Exchanges the callback's one-time hand-over code for the session's tokens.
#[utoipa::path(post, path = "/api/v1/auth/sso/exchange", tag = "auth",
    request_body = SsoExchangeRequest,
    responses(
        (status = 200, body = mercato_shared::api::auth::TokenResponse),
        (status = 401, description = "invalid_sso_code", body = mercato_shared::Problem),
    ))]
pub async fn exchange(
    req: HttpRequest,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<SsoExchangeRequest>,
) -> ApiResult<HttpResponse> {
    Ok(respond::ok(
        &flow::exchange(&state, &body.code, client_ip(&req)).await?,
    ))
}

/// The provider identities linked to the signed-in account.
#[utoipa::path(get, path = "/api/v1/me/identities", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<Identity>),
        (status = 401, body = mercato_shared::Problem),
    ))]
pub async fn identities(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    let list: Vec<Identity> = identities::list(&state, &user).await?;
    Ok(respond::ok(&list))
}

/// Unlinks an identity. Refused when it is the account's last way to sign in, or the
/// provider the account's partner requires.
#[utoipa::path(delete, path = "/api/v1/me/identities/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 204, description = "Unlinked"),
        (status = 401, body = mercato_shared::Problem),
        (status = 404, body = mercato_shared::Problem),
        (status = 409, description = "last_sign_in_method", body = mercato_shared::Problem),
        (status = 403, description = "sso_required", body = mercato_shared::Problem),
    ))]
pub async fn unlink(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&path, "identity")?;
    identities::unlink(&state, &user, id).await?;
    Ok(respond::no_content())
}

/// The partner's single sign-on requirement (its members and marketplace admins).
#[utoipa::path(get, path = "/api/v1/partners/{slug}/sso", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses(
        (status = 200, body = PartnerSso),
        (status = 401, body = mercato_shared::Problem),
        (status = 403, body = mercato_shared::Problem),
        (status = 404, body = mercato_shared::Problem),
    ))]
pub async fn partner_get(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (partner, _) = partner_in_path(&state, Some(&user), &path, Need::PrivateData).await?;
    let current: PartnerSso = requirement::of_partner(&state, &partner).await?;
    Ok(respond::ok(&current))
}

/// Requires the partner's members with an email at `domain` to sign in with `provider`.
/// Partner admins (and marketplace admins); the domain must be the partner's verified one.
#[utoipa::path(put, path = "/api/v1/partners/{slug}/sso", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body = PartnerSsoRequest,
    responses(
        (status = 200, body = PartnerSso),
        (status = 401, body = mercato_shared::Problem),
        (status = 403, body = mercato_shared::Problem),
        (status = 404, body = mercato_shared::Problem),
        (status = 422, body = mercato_shared::Problem),
    ))]
pub async fn partner_put(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<PartnerSsoRequest>,
) -> ApiResult<HttpResponse> {
    let (partner, _) = partner_in_path(&state, Some(&user), &path, Need::Oversight).await?;
    Ok(respond::ok(
        &requirement::require(&state, &user, &partner, body).await?,
    ))
}

/// Lifts the requirement.
#[utoipa::path(delete, path = "/api/v1/partners/{slug}/sso", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses(
        (status = 204, description = "No requirement any more"),
        (status = 401, body = mercato_shared::Problem),
        (status = 403, body = mercato_shared::Problem),
        (status = 404, body = mercato_shared::Problem),
    ))]
pub async fn partner_delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (partner, _) = partner_in_path(&state, Some(&user), &path, Need::Oversight).await?;
    requirement::lift(&state, &user, &partner).await?;
    Ok(respond::no_content())
}
