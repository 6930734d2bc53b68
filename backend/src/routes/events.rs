//! Funnel events from the web app: listing page views and install-button clicks (the use
//! cases are `analytics::funnel`). Anonymous callers are welcome; bots are not counted.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use mercato_shared::api::usage::FunnelEvent;
use serde_json::json;

use crate::analytics::funnel;
use crate::error::ApiResult;
use crate::http::extract::ApiJson;
use crate::state::AppState;

fn user_agent(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

fn counted(counted: bool) -> HttpResponse {
    HttpResponse::Accepted().json(json!({ "counted": counted }))
}

/// Records a view of a listing's page.
#[utoipa::path(post, path = "/api/v1/events/view", tag = "installs", request_body = FunnelEvent,
    responses((status = 202, description = "`counted` is false for bots"), (status = 422, body = mercato_shared::Problem)))]
pub async fn view(
    req: HttpRequest,
    state: web::Data<AppState>,
    ApiJson(event): ApiJson<FunnelEvent>,
) -> ApiResult<HttpResponse> {
    Ok(counted(
        funnel::view(&state, event, user_agent(&req)).await?,
    ))
}

/// Records a click on a listing's install button.
#[utoipa::path(post, path = "/api/v1/events/click", tag = "installs", request_body = FunnelEvent,
    responses((status = 202, description = "`counted` is false for bots"), (status = 422, body = mercato_shared::Problem)))]
pub async fn click(
    req: HttpRequest,
    state: web::Data<AppState>,
    ApiJson(event): ApiJson<FunnelEvent>,
) -> ApiResult<HttpResponse> {
    Ok(counted(
        funnel::click(&state, event, user_agent(&req)).await?,
    ))
}
