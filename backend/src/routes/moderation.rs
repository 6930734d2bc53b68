//! The review of listings and revisions: partners submit, marketplace admins approve, request
//! changes or delist (the use cases are `listings::moderation`). Not to be confused with
//! `reviews`, the customers' reviews of listings.

use actix_web::{web, HttpResponse};
use mercato_shared::api::listings::{
    ManagedListing, ReviewDecision, ReviewQueueItem, SetBadgesRequest,
};

use crate::auth::CurrentUser;
use crate::domain::review::ReviewAction;
use crate::error::ApiResult;
use crate::http::extract::{ApiJson, OptionalJson};
use crate::http::respond::{self, path_slug};
use crate::listings::moderation;
use crate::state::AppState;

/// Submits a listing (or its pending revision) for review (the partner's members).
#[utoipa::path(post, path = "/api/v1/listings/{slug}/submit", tag = "review", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = ManagedListing), (status = 403, body = mercato_shared::Problem),
        (status = 409, description = "nothing to submit in this status", body = mercato_shared::Problem),
        (status = 422, description = "required_for_review", body = mercato_shared::Problem)))]
pub async fn submit(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "listing")?;
    Ok(respond::ok(
        &moderation::submit(&state, &user, &slug).await?,
    ))
}

/// An admin's decision on the listing in the path.
async fn decide(
    state: &AppState,
    user: &CurrentUser,
    raw_slug: &str,
    action: ReviewAction,
    body: ReviewDecision,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let slug = path_slug(raw_slug, "listing")?;
    Ok(respond::ok(
        &moderation::decide(state, user, &slug, action, body.note).await?,
    ))
}

/// Approves what is in review: a new listing is published; a revision replaces the live
/// content (admins).
#[utoipa::path(post, path = "/api/v1/listings/{slug}/approve", tag = "review", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body(content = ReviewDecision, description = "Optional"),
    responses((status = 200, body = ManagedListing), (status = 403, body = mercato_shared::Problem), (status = 409, body = mercato_shared::Problem)))]
pub async fn approve(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    OptionalJson(body): OptionalJson<ReviewDecision>,
) -> ApiResult<HttpResponse> {
    decide(&state, &user, &path, ReviewAction::Approve, body).await
}

/// Sends what is in review back to the partner with a note saying what to change (admins).
#[utoipa::path(post, path = "/api/v1/listings/{slug}/request-changes", tag = "review", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = ReviewDecision,
    responses((status = 200, body = ManagedListing), (status = 403, body = mercato_shared::Problem),
        (status = 409, body = mercato_shared::Problem), (status = 422, description = "note is required", body = mercato_shared::Problem)))]
pub async fn request_changes(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    OptionalJson(body): OptionalJson<ReviewDecision>,
) -> ApiResult<HttpResponse> {
    decide(&state, &user, &path, ReviewAction::RequestChanges, body).await
}

/// Takes a published listing off the marketplace (admins).
#[utoipa::path(post, path = "/api/v1/listings/{slug}/delist", tag = "review", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body(content = ReviewDecision, description = "Optional"),
    responses((status = 200, body = ManagedListing), (status = 403, body = mercato_shared::Problem), (status = 409, body = mercato_shared::Problem)))]
pub async fn delist(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    OptionalJson(body): OptionalJson<ReviewDecision>,
) -> ApiResult<HttpResponse> {
    decide(&state, &user, &path, ReviewAction::Delist, body).await
}

/// Sets a listing's badges (admins).
#[utoipa::path(put, path = "/api/v1/listings/{slug}/badges", tag = "review", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = SetBadgesRequest,
    responses((status = 200, body = ManagedListing), (status = 403, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn set_badges(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<SetBadgesRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let slug = path_slug(&path, "listing")?;
    Ok(respond::ok(
        &moderation::set_badges(&state, &user, &slug, req).await?,
    ))
}

/// Listings and revisions waiting for review, oldest submission first (admins).
#[utoipa::path(get, path = "/api/v1/admin/review-queue", tag = "review", security(("bearer" = [])),
    responses((status = 200, body = Vec<ReviewQueueItem>), (status = 403, body = mercato_shared::Problem)))]
pub async fn queue(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    Ok(respond::ok(&moderation::queue(&state).await?))
}
