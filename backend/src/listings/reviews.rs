//! Customers' reviews of listings: one per workspace and listing, by members of a workspace
//! that has (or had) the listing installed; one reply by the partner; hiding by admins. The
//! listing's rating sum and count move in the same transaction (hidden reviews do not count).

use std::collections::HashMap;

use mercato_shared::api::reviews::{CreateReview, ReplyToReview, Review, UpdateReview};
use mercato_shared::api::webhooks::WebhookEvent;
use mercato_shared::api::Page;
use mercato_shared::validate::{self, Slug};
use mercato_shared::ErrorCode;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};

use crate::auth::CurrentUser;
use crate::domain::access::{Need, PartnerAccess};
use crate::entities::{installs, listings, reviews, workspace_members, workspaces};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::outbox::PublicChange;
use crate::{pagination, store, views};

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
        .map(|r| {
            views::review(
                r,
                listing_slug,
                workspace_names
                    .get(&r.workspace_id)
                    .cloned()
                    .unwrap_or_default(),
                r.author_id.and_then(|id| author_names.get(&id).cloned()),
            )
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
    let next_cursor = pagination::next_cursor(&mut rows, limit, |last| last.id);
    Ok((views_of(db, &rows, listing_slug).await?, next_cursor))
}

/// A published listing of an active partner: only those are reviewed.
async fn reviewable(db: &impl ConnectionTrait, slug: &Slug) -> ApiResult<listings::Model> {
    store::listings::public_by_slug(db, slug.as_str())
        .await?
        .ok_or(ApiError::NotFound("listing"))
}

/// A listing's reviews, newest first (admins also see hidden ones).
pub async fn list(
    state: &AppState,
    user: Option<&CurrentUser>,
    slug: &Slug,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> ApiResult<Page<Review>> {
    let listing = reviewable(&state.db.read, slug).await?;
    let limit = pagination::limit(limit)?;
    let before = cursor.map(pagination::decode::<i64>).transpose()?;
    let include_hidden = user.is_some_and(|u| u.is_admin());
    let (items, next_cursor) = newest(
        &state.db.read,
        listing.id,
        &listing.slug,
        include_hidden,
        before,
        limit,
    )
    .await?;
    Ok(Page { items, next_cursor })
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

fn body_text(body: &str) -> ApiResult<String> {
    validate::text(body, 1, BODY_MAX).map_err(|e| ApiError::field("body", e.code, e.message))
}

/// 403 unless the caller is a member of the reviewing workspace.
async fn require_workspace_member(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    user: &CurrentUser,
    refusal: &'static str,
) -> ApiResult<()> {
    let member = workspace_members::Entity::find_by_id((workspace_id, user.id))
        .one(db)
        .await?;
    member.map(|_| ()).ok_or(ApiError::Forbidden(refusal))
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

/// Reviews a listing for a workspace that has or had it installed (members of that
/// workspace); the partner's webhooks hear of it.
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    slug: &Slug,
    req: CreateReview,
) -> ApiResult<Review> {
    let listing = reviewable(&state.db.read, slug).await?;
    let stars = rating(req.rating)?;
    let body = body_text(&req.body)?;
    require_workspace_member(
        &state.db.read,
        req.workspace,
        user,
        "only members of the reviewing workspace may review for it",
    )
    .await?;
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
    .map_err(store::taken_as(|| ApiError::Conflict {
        code: ErrorCode::AlreadyReviewed,
        detail: "this workspace already reviewed the listing; edit that review".into(),
        field: Some("workspace"),
    }))?;
    move_rating(&txn, listing.id, stars as i64, 1).await?;
    let shown = view(&txn, &review, &listing.slug).await?;
    crate::webhooks::subscribers(&txn, listing.partner_id, WebhookEvent::ReviewCreated)
        .await?
        .queue(&txn, serde_json::json!({ "review": shown }), now)
        .await?;
    state
        .commit_public_change(txn, PublicChange::Listing(listing.slug.clone()))
        .await?;
    Ok(shown)
}

async fn review_and_listing(
    db: &impl ConnectionTrait,
    id: i64,
) -> ApiResult<(reviews::Model, listings::Model)> {
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
pub async fn update(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    req: UpdateReview,
) -> ApiResult<Review> {
    let txn = state.db.write.begin().await?;
    let (review, listing) = review_and_listing(&txn, id).await?;
    require_workspace_member(
        &txn,
        review.workspace_id,
        user,
        "only members of the reviewing workspace may edit the review",
    )
    .await?;
    let stars = req.rating.map(rating).transpose()?;
    let body = req.body.as_deref().map(body_text).transpose()?;
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
    view(&state.db.read, &review, &listing.slug).await
}

/// The partner's one public reply (members of the listing's partner).
pub async fn reply(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    req: ReplyToReview,
) -> ApiResult<Review> {
    let (review, listing) = review_and_listing(&state.db.read, id).await?;
    PartnerAccess::of(&state.db.read, Some(user), listing.partner_id)
        .await?
        .require(Need::MemberWork)?;
    let body = body_text(&req.body)?;
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
    view(&state.db.read, &review, &listing.slug).await
}

/// Hides a review from the public and from the rating, or shows it again (admins). A reason
/// is kept while hidden.
pub async fn set_hidden(
    state: &AppState,
    admin: &CurrentUser,
    id: i64,
    hide: bool,
    reason: Option<String>,
) -> ApiResult<Review> {
    let reason = reason
        .map(|r| {
            validate::text(&r, 0, 1000).map_err(|e| ApiError::field("reason", e.code, e.message))
        })
        .transpose()?;
    let txn = state.db.write.begin().await?;
    let (review, listing) = review_and_listing(&txn, id).await?;
    if review.hidden == hide {
        txn.commit().await?;
        return view(&state.db.read, &review, &listing.slug).await;
    }
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
        admin = admin.id,
        "review visibility changed"
    );
    view(&state.db.read, &review, &listing.slug).await
}
