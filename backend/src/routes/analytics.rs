//! Adoption analytics: a listing's series (its partner's members, admins, analysts), the
//! adoption ranking and churn by number of integrations (admins, analysts). Every answer is
//! also available as CSV (`format=csv`). The use cases are `analytics::reports`, the CSV
//! documents `analytics::export`.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use mercato_shared::api::analytics::{AdoptionRanking, ChurnReport, Interval, ListingAnalytics};
use serde::{Deserialize, Serialize};

use crate::analytics::export::{self, CsvExport};
use crate::analytics::reports::{self, Period};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::http::extract::ApiQuery;
use crate::http::respond::{self, path_slug};
use crate::state::AppState;

/// The refusal of marketplace-wide analytics to anyone but marketplace staff.
const STAFF_ONLY: &str = "only marketplace admins and analysts see marketplace-wide analytics";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Json,
    Csv,
}

/// `body` as JSON, or as the CSV document `csv` writes of it.
fn answer<T: Serialize>(
    format: Option<Format>,
    body: &T,
    csv: fn(&T) -> CsvExport,
) -> HttpResponse {
    if format != Some(Format::Csv) {
        return respond::ok(body);
    }
    let export = csv(body);
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{}\"", export.filename),
        ))
        .body(export.document)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListingQuery {
    /// First day (UTC); 29 days before `to` by default.
    pub from: Option<NaiveDate>,
    /// Last day (UTC); today by default.
    pub to: Option<NaiveDate>,
    /// `day` (default), `week` or `month`.
    pub interval: Option<Interval>,
    /// `json` (default) or `csv`.
    #[param(inline)]
    pub format: Option<Format>,
}

/// A listing's installs, uninstalls, active installs, DAU/WAU/MAU, adoption and funnel over a
/// period (members of its partner, admins, analysts).
#[utoipa::path(get, path = "/api/v1/analytics/listings/{slug}", tag = "analytics", security(("bearer" = [])),
    params(("slug" = String, Path), ListingQuery),
    responses((status = 200, description = "JSON, or CSV with format=csv", content((ListingAnalytics = "application/json"), (String = "text/csv"))),
        (status = 400, body = mercato_shared::Problem), (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem)))]
pub async fn listing(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiQuery(q): ApiQuery<ListingQuery>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "listing")?;
    let period = Period {
        from: q.from,
        to: q.to,
        interval: q.interval,
    };
    let body = reports::listing(&state, &user, &slug, period).await?;
    Ok(answer(q.format, &body, export::listing))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AdoptionQuery {
    /// The day the 30-day window ends; today by default.
    pub as_of: Option<NaiveDate>,
    /// 1 to 1000; 100 by default.
    pub limit: Option<u32>,
    /// `json` (default) or `csv`.
    #[param(inline)]
    pub format: Option<Format>,
}

/// Listings ranked by MAU (distinct workspaces active in the 30 days to `as_of`) and adoption
/// (MAU / active installs) (admins, analysts).
#[utoipa::path(get, path = "/api/v1/analytics/adoption", tag = "analytics", security(("bearer" = [])),
    params(AdoptionQuery),
    responses((status = 200, description = "JSON, or CSV with format=csv", content((AdoptionRanking = "application/json"), (String = "text/csv"))), (status = 403, body = mercato_shared::Problem)))]
pub async fn adoption(
    state: web::Data<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<AdoptionQuery>,
) -> ApiResult<HttpResponse> {
    user.require_staff(STAFF_ONLY)?;
    let body = reports::adoption(&state, q.as_of, q.limit).await?;
    Ok(answer(q.format, &body, export::adoption))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChurnQuery {
    /// First day of the period; 89 days before `to` by default.
    pub from: Option<NaiveDate>,
    /// Last day of the period; today by default.
    pub to: Option<NaiveDate>,
    /// `json` (default) or `csv`.
    #[param(inline)]
    pub format: Option<Format>,
}

/// Churn rate of workspaces by their number of active integrations (0, 1, 2, 3+) when the
/// period starts (admins, analysts).
#[utoipa::path(get, path = "/api/v1/analytics/churn", tag = "analytics", security(("bearer" = [])),
    params(ChurnQuery),
    responses((status = 200, description = "JSON, or CSV with format=csv", content((ChurnReport = "application/json"), (String = "text/csv"))), (status = 403, body = mercato_shared::Problem)))]
pub async fn churn(
    state: web::Data<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ChurnQuery>,
) -> ApiResult<HttpResponse> {
    user.require_staff(STAFF_ONLY)?;
    let body = reports::churn(&state, q.from, q.to).await?;
    Ok(answer(q.format, &body, export::churn))
}
