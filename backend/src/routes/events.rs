//! Funnel events from the web app: listing page views and install-button clicks, counted per
//! listing, day and attribution source. Anonymous callers are welcome; bots are not counted.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use mercato_shared::api::usage::FunnelEvent;
use mercato_shared::api::workspaces::InstallSource;
use mercato_shared::validate::Slug;
use serde_json::json;

use crate::analytics::days;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::ApiJson;
use crate::state::AppState;
use crate::store;
use crate::store::installs::{bump_daily, DailyColumn};

/// Substrings of user agents that are crawlers, previewers and scripts.
const BOT_MARKERS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "slurp",
    "preview",
    "facebookexternalhit",
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "go-http-client",
    "okhttp",
    "scrapy",
    "headlesschrome",
    "lighthouse",
    "pingdom",
    "uptime",
];

pub fn is_bot(user_agent: Option<&str>) -> bool {
    match user_agent {
        None => true,
        Some(ua) => {
            let ua = ua.to_ascii_lowercase();
            ua.trim().is_empty() || BOT_MARKERS.iter().any(|m| ua.contains(m))
        }
    }
}

async fn record(
    req: HttpRequest,
    state: web::Data<AppState>,
    event: FunnelEvent,
    column: DailyColumn,
) -> ApiResult<HttpResponse> {
    let slug =
        Slug::parse(&event.listing).map_err(|e| ApiError::field("listing", e.code, e.message))?;
    let (listing, partner) = store::listings::by_slug(&state.db.read, slug.as_str())
        .await
        .map_err(|_| {
            ApiError::field(
                "listing",
                "unknown_listing",
                "there is no published listing with this slug",
            )
        })?;
    if !store::visibility::is_public_listing(&listing, &partner) {
        return Err(ApiError::field(
            "listing",
            "unknown_listing",
            "there is no published listing with this slug",
        ));
    }
    let ua = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let counted = !is_bot(ua);
    if counted {
        let source = event.source.unwrap_or(InstallSource::Direct);
        bump_daily(
            &state.db.write,
            listing.id,
            days::of_time(state.settings.clock.now()),
            source,
            column,
        )
        .await?;
    }
    Ok(HttpResponse::Accepted().json(json!({ "counted": counted })))
}

/// Records a view of a listing's page.
#[utoipa::path(post, path = "/api/v1/events/view", tag = "installs", request_body = FunnelEvent,
    responses((status = 202, description = "`counted` is false for bots"), (status = 422, body = mercato_shared::Problem)))]
pub async fn view(
    req: HttpRequest,
    state: web::Data<AppState>,
    ApiJson(event): ApiJson<FunnelEvent>,
) -> ApiResult<HttpResponse> {
    record(req, state, event, DailyColumn::Views).await
}

/// Records a click on a listing's install button.
#[utoipa::path(post, path = "/api/v1/events/click", tag = "installs", request_body = FunnelEvent,
    responses((status = 202, description = "`counted` is false for bots"), (status = 422, body = mercato_shared::Problem)))]
pub async fn click(
    req: HttpRequest,
    state: web::Data<AppState>,
    ApiJson(event): ApiJson<FunnelEvent>,
) -> ApiResult<HttpResponse> {
    record(req, state, event, DailyColumn::Clicks).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_bots() {
        assert!(is_bot(None));
        assert!(is_bot(Some(
            "Googlebot/2.1 (+http://www.google.com/bot.html)"
        )));
        assert!(is_bot(Some("curl/8.5.0")));
        assert!(!is_bot(Some(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131 Safari/537.36"
        )));
    }
}
