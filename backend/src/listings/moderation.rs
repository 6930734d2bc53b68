//! The review of listings and revisions: partners submit, marketplace admins approve, request
//! changes or delist (the state machines are `domain::review`). Every decision is recorded in
//! the status log; admins' decisions are audited too, and change public data.

use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::listings::{
    ListingStatus, ManagedListing, ReviewQueueItem, RevisionState, SetBadgesRequest,
};
use mercato_shared::validate::Slug;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use super::{listing_for, managed_view, Mover};
use crate::auth::CurrentUser;
use crate::domain::access::Need;
use crate::domain::listing::{content_of_row, write_content};
use crate::domain::review::{
    self, check_ready_for_review, next_listing_status, next_revision_state, ReviewAction,
};
use crate::entities::json::StringList;
use crate::entities::{listing_revisions, listings, partners};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::audit::{self, Subject};
use crate::store::outbox::PublicChange;
use crate::store::{self, status_log};
use crate::views;

/// Submits a listing, or its pending revision, for review (the partner's members).
pub async fn submit(
    state: &AppState,
    user: &CurrentUser,
    slug: &Slug,
) -> ApiResult<ManagedListing> {
    let txn = state.db.write.begin().await?;
    let (listing, partner) = listing_for(&txn, user, slug, Need::MemberWork).await?;
    let mover = Mover {
        by: user,
        at: state.settings.clock.now(),
        note: None,
    };
    let listing = match next_listing_status(listing.status, ReviewAction::Submit) {
        Some(to) => submit_listing(&txn, &mover, listing, &partner, to).await?,
        None => {
            submit_revision(&txn, &mover, &listing, &partner).await?;
            listing
        }
    };
    let view = managed_view(&txn, &listing, &partner, state.settings.clock.today()).await?;
    txn.commit().await?;
    Ok(view)
}

/// Sends the listing itself to review (it has never been published, or was sent back or
/// delisted).
async fn submit_listing(
    txn: &DatabaseTransaction,
    mover: &Mover<'_>,
    listing: listings::Model,
    partner: &partners::Model,
    to: ListingStatus,
) -> ApiResult<listings::Model> {
    let from = listing.status;
    let content = content_of_row(
        &listing,
        store::listings::category_slugs(txn, listing.id).await?,
    );
    check_ready_for_review(&content).map_err(ApiError::Validation)?;
    let subject = status_log::Subject::Listing {
        partner_id: partner.id,
        listing_id: listing.id,
    };
    let mut row = listing.into_active_model();
    row.status = Set(to);
    row.submitted_at = Set(Some(mover.at));
    row.updated_at = Set(mover.at);
    let updated = row.update(txn).await?;
    mover
        .log(txn, subject, Some(from.as_str()), to.as_str())
        .await?;
    tracing::info!(listing = %updated.slug, "listing submitted for review");
    Ok(updated)
}

/// Sends a published listing's pending revision to review.
async fn submit_revision(
    txn: &DatabaseTransaction,
    mover: &Mover<'_>,
    listing: &listings::Model,
    partner: &partners::Model,
) -> ApiResult<()> {
    let status = listing.status;
    let pending = match (
        status,
        store::listings::pending_revision(txn, listing.id).await?,
    ) {
        (ListingStatus::Published, Some(rev)) => rev,
        _ => {
            return Err(ApiError::InvalidTransition {
                subject: "listing",
                action: "submit",
                status: status.as_str().into(),
            })
        }
    };
    let from = pending.state;
    let to = next_revision_state(from, ReviewAction::Submit).ok_or_else(|| {
        ApiError::InvalidTransition {
            subject: "revision",
            action: "submit",
            status: from.as_str().into(),
        }
    })?;
    check_ready_for_review(&pending.content.0).map_err(ApiError::Validation)?;
    let number = pending.number;
    let mut row = pending.into_active_model();
    row.state = Set(to);
    row.submitted_at = Set(Some(mover.at));
    row.updated_at = Set(mover.at);
    row.update(txn).await?;
    let subject = status_log::Subject::Revision {
        partner_id: partner.id,
        listing_id: listing.id,
        number,
    };
    mover
        .log(txn, subject, Some(from.as_str()), to.as_str())
        .await?;
    tracing::info!(listing = %listing.slug, revision = number, "revision submitted for review");
    Ok(())
}

/// Applies an admin's decision (approve, request changes, delist) to whatever of the listing
/// it concerns: the listing itself, or its pending revision in review. A request for changes
/// needs a note saying what to change.
pub async fn decide(
    state: &AppState,
    admin: &CurrentUser,
    slug: &Slug,
    action: ReviewAction,
    note: Option<String>,
) -> ApiResult<ManagedListing> {
    let note = review::decision_note(note, action).map_err(|e| ApiError::Validation(vec![e]))?;
    let txn = state.db.write.begin().await?;
    let (listing, partner) = store::listings::by_slug(&txn, slug.as_str()).await?;
    let mover = Mover {
        by: admin,
        at: state.settings.clock.now(),
        note: note.as_deref(),
    };
    let (updated, what) = match next_listing_status(listing.status, action) {
        Some(to) => decide_listing(&txn, &mover, listing, &partner, to).await?,
        None => decide_revision(&txn, &mover, action, listing, &partner).await?,
    };
    let audited = match action {
        ReviewAction::Approve => Some(AuditAction::ListingApproved),
        ReviewAction::RequestChanges => Some(AuditAction::ListingChangesRequested),
        ReviewAction::Delist => Some(AuditAction::ListingDelisted),
        ReviewAction::Submit => None,
    };
    if let Some(audited) = audited {
        audit::record(
            &txn,
            mover.at,
            admin.into(),
            audited,
            Subject::Listing(&updated.slug),
            what,
        )
        .await?;
    }
    let view = managed_view(&txn, &updated, &partner, state.settings.clock.today()).await?;
    state
        .commit_public_change(txn, PublicChange::Listing(updated.slug.clone()))
        .await?;
    tracing::info!(listing = %updated.slug, decision = action.verb(), admin = admin.id, "review decision");
    Ok(view)
}

/// Moves the listing itself; answers the updated row and what the audit log keeps of it.
async fn decide_listing(
    txn: &DatabaseTransaction,
    mover: &Mover<'_>,
    listing: listings::Model,
    partner: &partners::Model,
    to: ListingStatus,
) -> ApiResult<(listings::Model, serde_json::Value)> {
    let from = listing.status;
    let subject = status_log::Subject::Listing {
        partner_id: partner.id,
        listing_id: listing.id,
    };
    let first_publication = to == ListingStatus::Published && listing.published_at.is_none();
    let mut row = listing.into_active_model();
    row.status = Set(to);
    row.updated_at = Set(mover.at);
    row.review_note = Set(mover.note.map(str::to_string));
    if first_publication {
        row.published_at = Set(Some(mover.at));
    }
    let updated = row.update(txn).await?;
    mover
        .log(txn, subject, Some(from.as_str()), to.as_str())
        .await?;
    let what = serde_json::json!({ "from": from, "to": to, "note": mover.note });
    Ok((updated, what))
}

/// Moves the published listing's revision in review; an approved revision's content goes
/// live. Answers the listing row and what the audit log keeps of the decision.
async fn decide_revision(
    txn: &DatabaseTransaction,
    mover: &Mover<'_>,
    action: ReviewAction,
    listing: listings::Model,
    partner: &partners::Model,
) -> ApiResult<(listings::Model, serde_json::Value)> {
    let status = listing.status;
    let pending = match (
        status,
        store::listings::pending_revision(txn, listing.id).await?,
    ) {
        (ListingStatus::Published, Some(rev)) if rev.state == RevisionState::InReview => rev,
        _ => {
            return Err(ApiError::InvalidTransition {
                subject: "listing",
                action: action.verb(),
                status: status.as_str().into(),
            })
        }
    };
    let from = RevisionState::InReview;
    let to = next_revision_state(from, action).ok_or(ApiError::InvalidTransition {
        subject: "revision",
        action: action.verb(),
        status: from.as_str().into(),
    })?;
    let number = pending.number;
    let content = pending.content.0.clone();
    let mut rev = pending.into_active_model();
    rev.state = Set(to);
    rev.review_note = Set(mover.note.map(str::to_string));
    rev.updated_at = Set(mover.at);
    rev.update(txn).await?;
    let subject = status_log::Subject::Revision {
        partner_id: partner.id,
        listing_id: listing.id,
        number,
    };
    mover
        .log(txn, subject, Some(from.as_str()), to.as_str())
        .await?;
    let updated = if to == RevisionState::Approved {
        // The revision goes live. Its content was validated when it was saved; the
        // categories are resolved again in case one was deleted since.
        let category_ids = store::categories::resolve(txn, &content.categories).await?;
        let listing_id = listing.id;
        let mut row = listing.into_active_model();
        write_content(&mut row, &content);
        row.updated_at = Set(mover.at);
        let updated = row.update(txn).await?;
        store::listings::set_categories(txn, listing_id, &category_ids).await?;
        updated
    } else {
        listing
    };
    let what = serde_json::json!({
        "revision": number,
        "from": from,
        "to": to,
        "note": mover.note,
    });
    Ok((updated, what))
}

/// Sets a listing's badges (admins): only awardable ones; derived badges come from the
/// partner.
pub async fn set_badges(
    state: &AppState,
    admin: &CurrentUser,
    slug: &Slug,
    req: SetBadgesRequest,
) -> ApiResult<ManagedListing> {
    let badges = review::awarded_badges(&req.badges).map_err(ApiError::Validation)?;
    let txn = state.db.write.begin().await?;
    let (listing, partner) = store::listings::by_slug(&txn, slug.as_str()).await?;
    let from = listing.badges.0.clone();
    let mut row = listing.into_active_model();
    row.badges = Set(StringList(badges));
    row.updated_at = Set(state.settings.clock.now());
    let updated = row.update(&txn).await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        admin.into(),
        AuditAction::ListingBadgesChanged,
        Subject::Listing(&updated.slug),
        serde_json::json!({ "from": from, "to": updated.badges.0 }),
    )
    .await?;
    let view = managed_view(&txn, &updated, &partner, state.settings.clock.today()).await?;
    state
        .commit_public_change(txn, PublicChange::Listing(updated.slug.clone()))
        .await?;
    Ok(view)
}

/// Listings and revisions waiting for review, oldest submission first (admins).
pub async fn queue(state: &AppState) -> ApiResult<Vec<ReviewQueueItem>> {
    let db = &state.db.read;
    let today = state.settings.clock.today();
    let mut items: Vec<ReviewQueueItem> = listings::Entity::find()
        .filter(listings::Column::Status.eq(ListingStatus::InReview))
        .find_also_related(partners::Entity)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(l, p)| Some(views::queued_listing(&l, &p?, today)))
        .collect();
    let revisions = listing_revisions::Entity::find()
        .filter(listing_revisions::Column::State.eq(RevisionState::InReview))
        .order_by_asc(listing_revisions::Column::SubmittedAt)
        .all(db)
        .await?;
    if !revisions.is_empty() {
        let rows = listings::Entity::find()
            .filter(listings::Column::Id.is_in(revisions.iter().map(|r| r.listing_id)))
            .find_also_related(partners::Entity)
            .all(db)
            .await?;
        for rev in &revisions {
            if let Some((l, Some(p))) = rows.iter().find(|(l, _)| l.id == rev.listing_id) {
                items.push(views::queued_revision(rev, l, p, today));
            }
        }
    }
    items.sort_by_key(|i| i.submitted_at);
    Ok(items)
}
