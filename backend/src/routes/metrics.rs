//! `GET /metrics` (Prometheus text format, see `crate::metrics`): on the main listener only
//! with the configured token, on the metrics listener (`MERCATO_METRICS_ADDR`) as it is.

use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use crate::auth::extract::bearer;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The metrics, for a caller with the token; 404 where no token is configured (the route
/// does not exist for the public).
pub async fn scrape(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let Some(token) = &state.settings.metrics_token else {
        return Err(ApiError::RouteNotFound(req.path().to_string()));
    };
    let presented = bearer(&req)?.ok_or(ApiError::Unauthenticated)?;
    let expected = token.expose_secret().as_bytes();
    if !bool::from(presented.as_bytes().ct_eq(expected)) {
        return Err(ApiError::InvalidToken);
    }
    exposition(&state).await
}

/// The metrics listener's `/metrics`: no token (the listener's address is the protection).
pub async fn scrape_open(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    exposition(&state).await
}

async fn exposition(state: &AppState) -> ApiResult<HttpResponse> {
    let body = state
        .metrics
        .render(&state.db, &state.search, state.settings.clock.now())
        .await
        .map_err(ApiError::Unexpected)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body(body))
}
