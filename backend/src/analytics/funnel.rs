//! Funnel events from the web app: listing page views and install-button clicks, counted per
//! listing, day and attribution source in the daily roll-up. Anonymous callers are welcome;
//! bots are not counted.

use mercato_shared::api::usage::FunnelEvent;
use mercato_shared::api::workspaces::InstallSource;
use mercato_shared::validate::Slug;

use super::days;
use crate::error::{ApiError, ApiResult};
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

/// Whether a client with this user agent (none: a script) is a bot.
pub fn is_bot(user_agent: Option<&str>) -> bool {
    match user_agent {
        None => true,
        Some(ua) => {
            let ua = ua.to_ascii_lowercase();
            ua.trim().is_empty() || BOT_MARKERS.iter().any(|m| ua.contains(m))
        }
    }
}

/// Counts a view of a listing's page; whether it counted (not for bots).
pub async fn view(
    state: &AppState,
    event: FunnelEvent,
    user_agent: Option<&str>,
) -> ApiResult<bool> {
    record(state, event, DailyColumn::Views, user_agent).await
}

/// Counts a click on a listing's install button; whether it counted (not for bots).
pub async fn click(
    state: &AppState,
    event: FunnelEvent,
    user_agent: Option<&str>,
) -> ApiResult<bool> {
    record(state, event, DailyColumn::Clicks, user_agent).await
}

async fn record(
    state: &AppState,
    event: FunnelEvent,
    column: DailyColumn,
    user_agent: Option<&str>,
) -> ApiResult<bool> {
    let slug =
        Slug::parse(&event.listing).map_err(|e| ApiError::field("listing", e.code, e.message))?;
    let listing = store::listings::public_by_slug(&state.db.read, slug.as_str())
        .await?
        .ok_or_else(|| {
            ApiError::field(
                "listing",
                "unknown_listing",
                "there is no published listing with this slug",
            )
        })?;
    if is_bot(user_agent) {
        return Ok(false);
    }
    let source = event.source.unwrap_or(InstallSource::Direct);
    let today = days::of_time(state.settings.clock.now());
    bump_daily(&state.db.write, listing.id, today, source, column).await?;
    Ok(true)
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
