//! Registration, sign-in, token refresh, sign-out and the current account (the use cases are
//! `auth::accounts`).

use actix_web::{web, HttpRequest, HttpResponse};
use mercato_shared::api::auth::{LoginRequest, Me, RefreshRequest, RegisterRequest, TokenResponse};

use crate::auth::{accounts, CurrentUser};
use crate::error::ApiResult;
use crate::http::extract::{client_ip, ApiJson};
use crate::http::respond;
use crate::state::AppState;

/// Creates a customer account and signs it in.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses(
        (status = 201, body = TokenResponse),
        (status = 409, description = "email_taken", body = mercato_shared::Problem),
        (status = 422, description = "validation_failed", body = mercato_shared::Problem),
    ))]
pub async fn register(
    http: HttpRequest,
    state: web::Data<AppState>,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    let body = accounts::register(&state, req, client_ip(&http)).await?;
    Ok(respond::created("/api/v1/me", &body))
}

/// Signs in with email and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "invalid_credentials", body = mercato_shared::Problem),
    ))]
pub async fn login(
    http: HttpRequest,
    state: web::Data<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<HttpResponse> {
    Ok(respond::ok(
        &accounts::sign_in(&state, req, client_ip(&http)).await?,
    ))
}

/// Exchanges a refresh token for a new token pair. Each refresh token works once; presenting
/// one again revokes the whole session.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "invalid_refresh_token or refresh_token_reused", body = mercato_shared::Problem),
    ))]
pub async fn refresh(
    state: web::Data<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    Ok(respond::ok(
        &accounts::refresh(&state, &req.refresh_token).await?,
    ))
}

/// Ends the session of the given refresh token.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "Signed out")))]
pub async fn logout(
    http: HttpRequest,
    state: web::Data<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    accounts::sign_out(&state, &req.refresh_token, client_ip(&http)).await?;
    Ok(respond::no_content())
}

/// The signed-in account, with its partner memberships.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, body = Me),
        (status = 401, body = mercato_shared::Problem),
    ))]
pub async fn me(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    Ok(respond::ok(&accounts::me(&state, user.id).await?))
}
