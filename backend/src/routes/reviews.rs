//! Customers' reviews of listings, the partner's reply, hiding by admins (the use cases are
//! `listings::reviews`).

use actix_web::{web, HttpResponse};
use mercato_shared::api::reviews::{CreateReview, HideReview, ReplyToReview, Review, UpdateReview};
use mercato_shared::api::Page;
use serde::Deserialize;

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::ApiResult;
use crate::http::extract::{ApiJson, ApiQuery, OptionalJson};
use crate::http::respond::{self, path_id, path_slug};
use crate::listings::reviews;
use crate::state::AppState;

/// Reviews a listing for a workspace that has or had it installed (members of that workspace).
#[utoipa::path(post, path = "/api/v1/listings/{slug}/reviews", tag = "reviews", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = CreateReview,
    responses((status = 201, body = Review), (status = 403, body = mercato_shared::Problem),
        (status = 409, description = "already_reviewed", body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<CreateReview>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "listing")?;
    let review = reviews::create(&state, &user, &slug, req).await?;
    Ok(respond::created(
        &format!("/api/v1/reviews/{}", review.id),
        &review,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReviewQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// A listing's reviews, newest first (admins also see hidden ones).
#[utoipa::path(get, path = "/api/v1/listings/{slug}/reviews", tag = "reviews", security((), ("bearer" = [])),
    params(("slug" = String, Path), ReviewQuery),
    responses((status = 200, body = Page<Review>), (status = 404, body = mercato_shared::Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    path: web::Path<String>,
    ApiQuery(q): ApiQuery<ReviewQuery>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "listing")?;
    let page = reviews::list(&state, user.as_ref(), &slug, q.limit, q.cursor.as_deref()).await?;
    Ok(respond::ok(&page))
}

/// Edits a review (members of the reviewing workspace).
#[utoipa::path(patch, path = "/api/v1/reviews/{id}", tag = "reviews", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = UpdateReview,
    responses((status = 200, body = Review), (status = 403, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<UpdateReview>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&path, "review")?;
    Ok(respond::ok(&reviews::update(&state, &user, id, req).await?))
}

/// The partner's one public reply (members of the listing's partner).
#[utoipa::path(post, path = "/api/v1/reviews/{id}/reply", tag = "reviews", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ReplyToReview,
    responses((status = 200, body = Review), (status = 403, body = mercato_shared::Problem),
        (status = 409, description = "already_replied", body = mercato_shared::Problem)))]
pub async fn reply(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<ReplyToReview>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&path, "review")?;
    Ok(respond::ok(&reviews::reply(&state, &user, id, req).await?))
}

/// Hides a review from the public and from the rating (admins).
#[utoipa::path(post, path = "/api/v1/reviews/{id}/hide", tag = "reviews", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body(content = HideReview, description = "Optional"),
    responses((status = 200, body = Review), (status = 403, body = mercato_shared::Problem)))]
pub async fn hide(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    OptionalJson(req): OptionalJson<HideReview>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let id = path_id(&path, "review")?;
    Ok(respond::ok(
        &reviews::set_hidden(&state, &user, id, true, req.reason).await?,
    ))
}

/// Shows a hidden review again (admins).
#[utoipa::path(post, path = "/api/v1/reviews/{id}/unhide", tag = "reviews", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Review), (status = 403, body = mercato_shared::Problem)))]
pub async fn unhide(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let id = path_id(&path, "review")?;
    Ok(respond::ok(
        &reviews::set_hidden(&state, &user, id, false, None).await?,
    ))
}
