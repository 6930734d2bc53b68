//! Search and suggestions over published listings of active partners (the use cases are
//! `search::service`).

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use mercato_shared::api::listings::PricingModel;
use mercato_shared::api::search::{IndexStatus, SearchResponse, SuggestResponse};
use serde::Deserialize;

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::ApiResult;
use crate::http::extract::ApiQuery;
use crate::search::service::{self, SearchInput};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// What to look for: names, use cases ("sync invoices to slack"), words of the tagline or
    /// description, categories, partner names. Typos are tolerated; the last word also matches
    /// as a prefix. Empty: listings by popularity.
    #[serde(default)]
    pub q: String,
    /// A category slug.
    pub category: Option<String>,
    pub pricing: Option<PricingModel>,
    /// A partner slug.
    pub partner: Option<String>,
    /// A badge, e.g. `staff-pick` or `certified`.
    pub badge: Option<String>,
    /// 1 to 100; 20 by default.
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    /// Admins: the parts of each hit's score. Partner members: of their own listings' hits.
    #[serde(default)]
    pub explain: bool,
}

impl From<SearchParams> for SearchInput {
    fn from(p: SearchParams) -> Self {
        SearchInput {
            q: p.q,
            category: p.category,
            pricing: p.pricing,
            partner: p.partner,
            badge: p.badge,
            limit: p.limit,
            cursor: p.cursor,
        }
    }
}

/// Searches published listings.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", security((), ("bearer" = [])), params(SearchParams),
    responses(
        (status = 200, body = SearchResponse),
        (status = 400, description = "invalid_query: over-long query, unknown facet value, bad cursor, limit out of range", body = mercato_shared::Problem),
        (status = 403, description = "explain asked by a caller who may not see it", body = mercato_shared::Problem),
    ))]
pub async fn search(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> ApiResult<HttpResponse> {
    let explain = service::explain_for(&state, user.as_ref(), p.explain).await?;
    let body = service::search(&state, &p.into(), explain).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(body))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SuggestParams {
    /// What has been typed so far.
    #[serde(default)]
    pub q: String,
    /// 1 to 20; 8 by default.
    pub limit: Option<u32>,
}

/// Suggestions for the search box: listing names and use-case phrases.
#[utoipa::path(get, path = "/api/v1/search/suggest", tag = "search", params(SuggestParams),
    responses((status = 200, body = SuggestResponse), (status = 400, body = mercato_shared::Problem)))]
pub async fn suggest(
    state: web::Data<AppState>,
    ApiQuery(p): ApiQuery<SuggestParams>,
) -> ApiResult<HttpResponse> {
    let body = service::suggest(&state, &p.q, p.limit).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(body))
}

#[utoipa::path(get, path = "/api/v1/admin/search/status", tag = "search", security(("bearer" = [])),
    responses((status = 200, body = IndexStatus), (status = 403, body = mercato_shared::Problem)))]
pub async fn status(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    Ok(HttpResponse::Ok().json(service::status(&state).await?))
}
