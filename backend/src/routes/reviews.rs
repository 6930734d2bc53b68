//! Reviews: one per workspace and listing, by members of a workspace that has (or had) the
//! listing installed; one reply by the partner; hiding by admins. The listing's rating sum and
//! count move in the same transaction (hidden reviews do not count).

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use mercato_shared::api::reviews::{CreateReview, HideReview, ReplyToReview, Review, UpdateReview};
use mercato_shared::api::webhooks::WebhookEvent;
use mercato_shared::api::Page;
use mercato_shared::{validate, ErrorCode};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::Deserialize;

use crate::auth::{CurrentUser, MaybeUser};
use crate::domain::access::{Need, PartnerAccess};
use crate::entities::{installs, listings, reviews, workspace_members, workspaces};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiQuery, OptionalJson};
use crate::http::respond::{self, path_slug};
use crate::state::AppState;
use crate::store::outbox::PublicChange;
use crate::{pagination, store};

const BODY_MAX: usize = 5000;

async fn view(
    db: &impl ConnectionTrait,
    r: &reviews::Model,
    listing_slug: &str,
) -> ApiResult<Review> {
    let mut one = views_of(db, std::slice::from_ref(r), listing_slug).await?;
    Ok(one.remove(0))
}

/// The API's view of reviews of one listing, with workspace and author names read in one query
/// each (not one per review).
async fn views_of(
    db: &impl ConnectionTrait,
    rows: &[reviews::Model],
    listing_slug: &str,
) -> ApiResult<Vec<Review>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let workspace_ids: Vec<i64> = rows.iter().map(|r| r.workspace_id).collect();
    let author_ids: Vec<i64> = rows.iter().filter_map(|r| r.author_id).collect();
    let workspace_names: HashMap<i64, String> = workspaces::Entity::find()
        .filter(workspaces::Column::Id.is_in(workspace_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|w| (w.id, w.name))
        .collect();
    let author_names = store::users::display_names(db, author_ids).await?;
    Ok(rows
        .iter()
        .map(|r| Review {
            id: r.id,
            listing: listing_slug.to_string(),
            workspace_name: workspace_names
                .get(&r.workspace_id)
                .cloned()
                .unwrap_or_default(),
            author_name: r.author_id.and_then(|id| author_names.get(&id).cloned()),
            rating: r.rating as u8,
            body: r.body.clone(),
            reply: r.reply.clone(),
            replied_at: r.replied_at,
            hidden: r.hidden,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

/// One page of a listing's reviews, newest first, and the cursor of the next page. Hidden
/// reviews only for admins.
pub async fn newest(
    db: &impl ConnectionTrait,
    listing_id: i64,
    listing_slug: &str,
    include_hidden: bool,
    before: Option<i64>,
    limit: u64,
) -> ApiResult<(Vec<Review>, Option<String>)> {
    let mut query = reviews::Entity::find().filter(reviews::Column::ListingId.eq(listing_id));
    if !include_hidden {
        query = query.filter(reviews::Column::Hidden.eq(false));
    }
    if let Some(before) = before {
        query = query.filter(reviews::Column::Id.lt(before));
    }
    let mut rows = query
        .order_by_desc(reviews::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let next_cursor = (rows.len() as u64 > limit).then(|| {
        rows.truncate(limit as usize);
        pagination::encode(&rows.last().map_or(0, |r| r.id))
    });
    Ok((views_of(db, &rows, listing_slug).await?, next_cursor))
}

fn rating(value: u8) -> ApiResult<i16> {
    if (1..=5).contains(&value) {
        Ok(value as i16)
    } else {
        Err(ApiError::field(
            "rating",
            "out_of_range",
            "must be 1 to 5 stars",
        ))
    }
}

/// Moves a listing's rating sum and review count.
async fn move_rating(
    txn: &DatabaseTransaction,
    listing_id: i64,
    sum: i64,
    count: i64,
) -> ApiResult<()> {
    listings::Entity::update_many()
        .col_expr(
            listings::Column::RatingSum,
            Expr::col(listings::Column::RatingSum).add(sum),
        )
        .col_expr(
            listings::Column::ReviewCount,
            Expr::col(listings::Column::ReviewCount).add(count),
        )
        .filter(listings::Column::Id.eq(listing_id))
        .exec(txn)
        .await?;
    Ok(())
}

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
    let (listing, partner) = store::listings::by_slug(&state.db.read, slug.as_str()).await?;
    if !store::visibility::is_public_listing(&listing, &partner) {
        return Err(ApiError::NotFound("listing"));
    }
    let stars = rating(req.rating)?;
    let body = validate::text(&req.body, 1, BODY_MAX)
        .map_err(|e| ApiError::field("body", e.code, e.message))?;
    if workspace_members::Entity::find_by_id((req.workspace, user.id))
        .one(&state.db.read)
        .await?
        .is_none()
    {
        return Err(ApiError::Forbidden(
            "only members of the reviewing workspace may review for it",
        ));
    }
    let installed = installs::Entity::find()
        .filter(installs::Column::WorkspaceId.eq(req.workspace))
        .filter(installs::Column::ListingId.eq(listing.id))
        .one(&state.db.read)
        .await?
        .is_some();
    if !installed {
        return Err(ApiError::Forbidden(
            "only workspaces that installed the listing may review it",
        ));
    }
    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    let review = reviews::ActiveModel {
        listing_id: Set(listing.id),
        workspace_id: Set(req.workspace),
        author_id: Set(Some(user.id)),
        rating: Set(stars),
        body: Set(body),
        reply: Set(None),
        reply_author_id: Set(None),
        replied_at: Set(None),
        hidden: Set(false),
        hidden_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if store::is_unique_violation(&e) {
            ApiError::Conflict {
                code: ErrorCode::AlreadyReviewed,
                detail: "this workspace already reviewed the listing; edit that review".into(),
                field: Some("workspace"),
            }
        } else {
            e.into()
        }
    })?;
    move_rating(&txn, listing.id, stars as i64, 1).await?;
    let shown = view(&txn, &review, &listing.slug).await?;
    crate::webhooks::subscribers(&txn, listing.partner_id, WebhookEvent::ReviewCreated)
        .await?
        .queue(&txn, serde_json::json!({ "review": shown }), now)
        .await?;
    state
        .commit_public_change(txn, PublicChange::Listing(listing.slug.clone()))
        .await?;
    Ok(respond::created(
        &format!("/api/v1/reviews/{}", review.id),
        &shown,
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
    let (listing, partner) = store::listings::by_slug(&state.db.read, slug.as_str()).await?;
    if !store::visibility::is_public_listing(&listing, &partner) {
        return Err(ApiError::NotFound("listing"));
    }
    let limit = pagination::limit(q.limit)?;
    let before = q
        .cursor
        .as_deref()
        .map(pagination::decode::<i64>)
        .transpose()?;
    let include_hidden = user.as_ref().is_some_and(|u| u.is_admin());
    let (items, next_cursor) = newest(
        &state.db.read,
        listing.id,
        &listing.slug,
        include_hidden,
        before,
        limit,
    )
    .await?;
    Ok(respond::ok(&Page { items, next_cursor }))
}

async fn review_and_listing(
    db: &impl ConnectionTrait,
    raw_id: &str,
) -> ApiResult<(reviews::Model, listings::Model)> {
    let id = respond::path_id(raw_id, "review")?;
    let review = reviews::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("review"))?;
    let listing = listings::Entity::find_by_id(review.listing_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("review"))?;
    Ok((review, listing))
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
    let txn = state.db.write.begin().await?;
    let (review, listing) = review_and_listing(&txn, &path).await?;
    if workspace_members::Entity::find_by_id((review.workspace_id, user.id))
        .one(&txn)
        .await?
        .is_none()
    {
        return Err(ApiError::Forbidden(
            "only members of the reviewing workspace may edit the review",
        ));
    }
    let stars = req.rating.map(rating).transpose()?;
    let body = req
        .body
        .map(|b| {
            validate::text(&b, 1, BODY_MAX).map_err(|e| ApiError::field("body", e.code, e.message))
        })
        .transpose()?;
    let old = review.rating;
    let hidden = review.hidden;
    let mut row = review.into_active_model();
    if let Some(s) = stars {
        row.rating = Set(s);
    }
    if let Some(b) = body {
        row.body = Set(b);
    }
    row.updated_at = Set(state.settings.clock.now());
    let review = row.update(&txn).await?;
    if !hidden && review.rating != old {
        move_rating(&txn, listing.id, (review.rating - old) as i64, 0).await?;
    }
    state
        .commit_public_change(txn, PublicChange::Listing(listing.slug.clone()))
        .await?;
    Ok(respond::ok(
        &view(&state.db.read, &review, &listing.slug).await?,
    ))
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
    let (review, listing) = review_and_listing(&state.db.read, &path).await?;
    PartnerAccess::of(&state.db.read, Some(&user), listing.partner_id)
        .await?
        .require(Need::MemberWork)?;
    let body = validate::text(&req.body, 1, BODY_MAX)
        .map_err(|e| ApiError::field("body", e.code, e.message))?;
    // Only the first reply lands (checked in the update itself, so two at once cannot both).
    let now = state.settings.clock.now();
    let done = reviews::Entity::update_many()
        .col_expr(reviews::Column::Reply, Expr::value(body))
        .col_expr(reviews::Column::ReplyAuthorId, Expr::value(user.id))
        .col_expr(reviews::Column::RepliedAt, Expr::value(now))
        .filter(reviews::Column::Id.eq(review.id))
        .filter(reviews::Column::Reply.is_null())
        .exec(&state.db.write)
        .await?;
    if done.rows_affected == 0 {
        return Err(ApiError::Conflict {
            code: ErrorCode::AlreadyReplied,
            detail: "the partner already replied to this review".into(),
            field: None,
        });
    }
    let review = reviews::Entity::find_by_id(review.id)
        .one(&state.db.write)
        .await?
        .ok_or(ApiError::NotFound("review"))?;
    Ok(respond::ok(
        &view(&state.db.read, &review, &listing.slug).await?,
    ))
}

async fn set_hidden(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
    hide: bool,
    reason: Option<String>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let reason = reason
        .map(|r| {
            validate::text(&r, 0, 1000).map_err(|e| ApiError::field("reason", e.code, e.message))
        })
        .transpose()?;
    let txn = state.db.write.begin().await?;
    let (review, listing) = review_and_listing(&txn, raw_id).await?;
    if review.hidden != hide {
        let stars = review.rating as i64;
        let mut row = review.into_active_model();
        row.hidden = Set(hide);
        row.hidden_reason = Set(if hide { reason } else { None });
        row.updated_at = Set(state.settings.clock.now());
        let review = row.update(&txn).await?;
        let (sum, count) = if hide { (-stars, -1) } else { (stars, 1) };
        move_rating(&txn, listing.id, sum, count).await?;
        state
            .commit_public_change(txn, PublicChange::Listing(listing.slug.clone()))
            .await?;
        tracing::info!(
            review = review.id,
            hidden = hide,
            admin = user.id,
            "review visibility changed"
        );
        return Ok(respond::ok(
            &view(&state.db.read, &review, &listing.slug).await?,
        ));
    }
    txn.commit().await?;
    Ok(respond::ok(
        &view(&state.db.read, &review, &listing.slug).await?,
    ))
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
    set_hidden(&state, &user, &path, true, req.reason).await
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
    set_hidden(&state, &user, &path, false, None).await
}
