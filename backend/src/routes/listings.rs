//! Listings: drafts and edits by partner members, public reads of published listings (the use
//! cases are `listings::editing` and `listings::catalog`).

use actix_web::{web, HttpRequest, HttpResponse};
use mercato_shared::api::listings::{
    CreateListing, Listing, ListingPatch, ListingSummary, ManagedListing, MarkdownPreview,
    PricingModel, RenderedMarkdown,
};
use mercato_shared::api::partners::StatusChange;
use mercato_shared::api::Page;
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::respond::{self, path_slug};
use crate::listings::catalog::{self, Browse};
use crate::listings::editing;
use crate::state::AppState;

/// Creates a draft listing for a partner the caller belongs to.
#[utoipa::path(post, path = "/api/v1/listings", tag = "listings", security(("bearer" = [])),
    request_body = CreateListing,
    responses(
        (status = 201, body = ManagedListing),
        (status = 403, description = "not a member of the partner", body = mercato_shared::Problem),
        (status = 409, description = "slug_taken", body = mercato_shared::Problem),
        (status = 422, body = mercato_shared::Problem),
    ))]
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<CreateListing>,
) -> ApiResult<HttpResponse> {
    let view = editing::create(&state, &user, req).await?;
    Ok(respond::created(
        &format!("/api/v1/listings/{}/manage", view.slug),
        &view,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListingListQuery {
    /// A category slug.
    pub category: Option<String>,
    /// A partner slug.
    pub partner: Option<String>,
    pub pricing: Option<PricingModel>,
    /// 1 to 100; 20 by default.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl From<ListingListQuery> for Browse {
    fn from(q: ListingListQuery) -> Self {
        Browse {
            category: q.category,
            partner: q.partner,
            pricing: q.pricing,
            limit: q.limit,
            cursor: q.cursor,
        }
    }
}

/// Published listings of active partners, most installed first.
#[utoipa::path(get, path = "/api/v1/listings", tag = "listings", params(ListingListQuery),
    responses((status = 200, body = Page<ListingSummary>), (status = 400, body = mercato_shared::Problem)))]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    ApiQuery(q): ApiQuery<ListingListQuery>,
) -> ApiResult<HttpResponse> {
    Ok(respond::cacheable(
        &req,
        &catalog::browse(&state, q.into()).await?,
    ))
}

/// A published listing.
#[utoipa::path(get, path = "/api/v1/listings/{slug}", tag = "listings",
    params(("slug" = String, Path)),
    responses((status = 200, body = Listing), (status = 404, body = mercato_shared::Problem)))]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "listing")?;
    // Anonymous callers all get the same response, kept in this instance's cache.
    let anonymous = !req
        .headers()
        .contains_key(actix_web::http::header::AUTHORIZATION);
    if anonymous {
        if let Some(hit) = state.public_cache.get(slug.as_str()) {
            return Ok(respond::cacheable_bytes(&req, hit.body.clone(), &hit.etag));
        }
    }
    let generation = state.public_cache.generation();
    let (body, etag) =
        respond::serialize_with_etag(&catalog::published(&state, &slug).await?.listing)?;
    if anonymous {
        state
            .public_cache
            .put(slug.into_inner(), generation, body.clone(), etag.clone());
    }
    Ok(respond::cacheable_bytes(&req, body, &etag))
}

/// Renders a description as the listing page will show it (signed-in accounts; the editor's
/// preview uses the server's own renderer and sanitiser, so what partners see is what ships).
#[utoipa::path(post, path = "/api/v1/markdown/preview", tag = "listings", security(("bearer" = [])),
    request_body = MarkdownPreview,
    responses((status = 200, body = RenderedMarkdown), (status = 401, body = mercato_shared::Problem),
        (status = 422, body = mercato_shared::Problem)))]
pub async fn preview_markdown(
    _user: CurrentUser,
    ApiJson(body): ApiJson<MarkdownPreview>,
) -> ApiResult<HttpResponse> {
    Ok(respond::ok(&editing::preview_markdown(&body)?))
}

/// A listing with its status and pending revision, for its partner and admins.
#[utoipa::path(get, path = "/api/v1/listings/{slug}/manage", tag = "listings", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = ManagedListing), (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem)))]
pub async fn manage(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "listing")?;
    Ok(respond::ok(&editing::managed(&state, &user, &slug).await?))
}

/// Edits a listing (the partner's members). A draft is edited in place; a published listing
/// gets a pending revision that goes through review while the published version stays live.
#[utoipa::path(patch, path = "/api/v1/listings/{slug}", tag = "listings", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = ListingPatch,
    responses((status = 200, body = ManagedListing), (status = 403, body = mercato_shared::Problem),
        (status = 409, description = "in review", body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(patch): ApiJson<ListingPatch>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "listing")?;
    Ok(respond::ok(
        &editing::update(&state, &user, &slug, patch).await?,
    ))
}

/// The listing's status changes and those of its revisions, oldest first.
#[utoipa::path(get, path = "/api/v1/listings/{slug}/history", tag = "listings", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<StatusChange>), (status = 403, body = mercato_shared::Problem)))]
pub async fn history(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "listing")?;
    Ok(respond::ok(&editing::history(&state, &user, &slug).await?))
}
