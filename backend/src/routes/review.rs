//! The review of listings and revisions: partners submit, marketplace admins approve, request
//! changes or delist. Every decision is recorded in the status log.

use actix_web::{web, HttpResponse};
use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::listings::{
    limits, ListingStatus, ManagedListing, ReviewDecision, ReviewQueueItem, RevisionState,
    SetBadgesRequest,
};
use mercato_shared::api::search::{AWARDED_BADGES, BADGES};
use mercato_shared::validate::{self, Slug, Validator};
use mercato_shared::FieldError;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use super::listings::managed_view;
use crate::auth::CurrentUser;
use crate::domain::access::PartnerAccess;
use crate::domain::listing::content_of_row;
use crate::domain::review::{next_listing_status, next_revision_state, ReviewAction};
use crate::entities::json::{Screenshots, StringList};
use crate::entities::{listing_revisions, listings, partners};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, OptionalJson};
use crate::http::respond::{self, path_slug};
use crate::state::AppState;
use crate::store::audit::{self, Subject};
use crate::store::outbox::PublicChange;
use crate::store::{self, status_log};
use crate::views;

fn parse_note(note: Option<String>, required: bool) -> ApiResult<Option<String>> {
    let note = note.filter(|n| !n.trim().is_empty());
    match note {
        None if required => Err(ApiError::field(
            "note",
            "required",
            "say what needs to change",
        )),
        None => Ok(None),
        Some(n) => validate::text(&n, 1, 4000)
            .map(Some)
            .map_err(|e| ApiError::field("note", e.code, e.message)),
    }
}

/// What a listing needs before it can go to review (drafts may be incomplete).
fn check_ready_for_review(
    content: &mercato_shared::api::listings::ListingContent,
) -> ApiResult<()> {
    let mut errors = Vec::new();
    let mut need = |field: &str, message: &str| {
        errors.push(FieldError {
            field: field.into(),
            code: "required_for_review".into(),
            message: message.into(),
        })
    };
    if content.description.trim().is_empty() {
        need(
            "description",
            "describe the integration before submitting it",
        );
    }
    if content.categories.is_empty() {
        need("categories", "choose at least one category");
    }
    if content.install_url.is_none() {
        need(
            "install_url",
            "give the URL where customers install the integration",
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

async fn record(
    txn: &DatabaseTransaction,
    at: chrono::DateTime<chrono::Utc>,
    subject: status_log::Subject,
    from: &str,
    to: &str,
    actor: i64,
    note: Option<&str>,
) -> ApiResult<()> {
    status_log::record(
        txn,
        at,
        status_log::Change {
            subject,
            from: Some(from),
            to,
            actor_id: Some(actor),
            note,
        },
    )
    .await
}

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
    let txn = state.db.write.begin().await?;
    let (listing, partner) = store::listings::by_slug(&txn, slug.as_str()).await?;
    let access = PartnerAccess::of(&txn, Some(&user), partner.id).await?;
    if !access.is_member() {
        return Err(
            if store::visibility::is_public_listing(&listing, &partner) || access.marketplace_admin
            {
                ApiError::Forbidden("only members of the partner may submit its listings")
            } else {
                ApiError::NotFound("listing")
            },
        );
    }
    let status = listing.status;
    let now = state.settings.clock.now();
    if let Some(to) = next_listing_status(status, ReviewAction::Submit) {
        let content = content_of_row(
            &listing,
            store::listings::category_slugs(&txn, listing.id).await?,
        );
        check_ready_for_review(&content)?;
        let mut row = listing.clone().into_active_model();
        row.status = Set(to);
        row.submitted_at = Set(Some(now));
        row.updated_at = Set(now);
        let updated = row.update(&txn).await?;
        let subject = status_log::Subject::Listing {
            partner_id: partner.id,
            listing_id: listing.id,
        };
        record(
            &txn,
            state.settings.clock.now(),
            subject,
            status.as_str(),
            to.as_str(),
            user.id,
            None,
        )
        .await?;
        let view = managed_view(&txn, &updated, &partner, state.settings.clock.today()).await?;
        txn.commit().await?;
        tracing::info!(listing = %updated.slug, "listing submitted for review");
        return Ok(respond::ok(&view));
    }
    let pending = match (
        status,
        store::listings::pending_revision(&txn, listing.id).await?,
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
    let rev_state = pending.state;
    let to = next_revision_state(rev_state, ReviewAction::Submit).ok_or_else(|| {
        ApiError::InvalidTransition {
            subject: "revision",
            action: "submit",
            status: rev_state.as_str().into(),
        }
    })?;
    check_ready_for_review(&pending.content.0)?;
    let number = pending.number;
    let mut row = pending.into_active_model();
    row.state = Set(to);
    row.submitted_at = Set(Some(now));
    row.updated_at = Set(now);
    row.update(&txn).await?;
    let subject = status_log::Subject::Revision {
        partner_id: partner.id,
        listing_id: listing.id,
        number,
    };
    record(
        &txn,
        state.settings.clock.now(),
        subject,
        rev_state.as_str(),
        to.as_str(),
        user.id,
        None,
    )
    .await?;
    let view = managed_view(&txn, &listing, &partner, state.settings.clock.today()).await?;
    txn.commit().await?;
    tracing::info!(listing = %listing.slug, revision = number, "revision submitted for review");
    Ok(respond::ok(&view))
}

/// Loads a listing for an admin decision, inside the decision's transaction.
async fn for_decision(
    txn: &DatabaseTransaction,
    user: &CurrentUser,
    raw_slug: &str,
) -> ApiResult<(listings::Model, partners::Model)> {
    user.require_admin()?;
    let slug = path_slug(raw_slug, "listing")?;
    store::listings::by_slug(txn, slug.as_str()).await
}

/// Applies an admin's decision (approve or request changes) to whatever of the listing is in
/// review: the listing itself, or its pending revision.
async fn decide(
    state: &AppState,
    user: &CurrentUser,
    raw_slug: &str,
    action: ReviewAction,
    note: Option<String>,
) -> ApiResult<HttpResponse> {
    let txn = state.db.write.begin().await?;
    let (listing, partner) = for_decision(&txn, user, raw_slug).await?;
    let status = listing.status;
    let now = state.settings.clock.now();
    let listing_subject = status_log::Subject::Listing {
        partner_id: partner.id,
        listing_id: listing.id,
    };

    let (updated, what) = if let Some(to) = next_listing_status(status, action) {
        let mut row = listing.clone().into_active_model();
        row.status = Set(to);
        row.updated_at = Set(now);
        row.review_note = Set(note.clone());
        if to == ListingStatus::Published && listing.published_at.is_none() {
            row.published_at = Set(Some(now));
        }
        let updated = row.update(&txn).await?;
        record(
            &txn,
            state.settings.clock.now(),
            listing_subject,
            status.as_str(),
            to.as_str(),
            user.id,
            note.as_deref(),
        )
        .await?;
        let what = serde_json::json!({ "from": status, "to": to, "note": note });
        (updated, what)
    } else {
        let pending = match (
            status,
            store::listings::pending_revision(&txn, listing.id).await?,
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
        let to = next_revision_state(RevisionState::InReview, action).ok_or(
            ApiError::InvalidTransition {
                subject: "revision",
                action: action.verb(),
                status: RevisionState::InReview.as_str().into(),
            },
        )?;
        let number = pending.number;
        let content = pending.content.0.clone();
        let mut rev = pending.into_active_model();
        rev.state = Set(to);
        rev.review_note = Set(note.clone());
        rev.updated_at = Set(now);
        rev.update(&txn).await?;
        let subject = status_log::Subject::Revision {
            partner_id: partner.id,
            listing_id: listing.id,
            number,
        };
        record(
            &txn,
            state.settings.clock.now(),
            subject,
            RevisionState::InReview.as_str(),
            to.as_str(),
            user.id,
            note.as_deref(),
        )
        .await?;
        let updated = if to == RevisionState::Approved {
            // The revision goes live. Its content was validated when it was saved; the
            // categories are resolved again in case one was deleted since.
            let category_ids = store::categories::resolve(&txn, &content.categories).await?;
            let mut row = listing.clone().into_active_model();
            row.name = Set(content.name);
            row.tagline = Set(content.tagline);
            row.description = Set(content.description);
            row.use_cases = Set(StringList(content.use_cases));
            row.screenshots = Set(Screenshots(content.screenshots));
            row.video_url = Set(content.video_url);
            row.install_url = Set(content.install_url);
            row.pricing_model = Set(content.pricing.model);
            row.pricing_details = Set(content.pricing.details);
            row.support_url = Set(content.support_url);
            row.documentation_url = Set(content.documentation_url);
            row.privacy_policy_url = Set(content.privacy_policy_url);
            row.updated_at = Set(now);
            let updated = row.update(&txn).await?;
            store::listings::set_categories(&txn, listing.id, &category_ids).await?;
            updated
        } else {
            listing
        };
        let what = serde_json::json!({
            "revision": number,
            "from": RevisionState::InReview,
            "to": to,
            "note": note,
        });
        (updated, what)
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
            state.settings.clock.now(),
            user.into(),
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
    tracing::info!(listing = %updated.slug, decision = action.verb(), admin = user.id, "review decision");
    Ok(respond::ok(&view))
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
    user.require_admin()?;
    let note = parse_note(body.note, false)?;
    decide(&state, &user, &path, ReviewAction::Approve, note).await
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
    user.require_admin()?;
    let note = parse_note(body.note, true)?;
    decide(&state, &user, &path, ReviewAction::RequestChanges, note).await
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
    user.require_admin()?;
    let note = parse_note(body.note, false)?;
    decide(&state, &user, &path, ReviewAction::Delist, note).await
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
    let mut v = Validator::new();
    v.check(
        "badges",
        validate::max_items(&req.badges, limits::BADGES_MAX),
    );
    let mut badges: Vec<String> = Vec::new();
    for (i, b) in req.badges.iter().enumerate() {
        let derived = |s: Slug| {
            let s_str = s.as_str();
            if BADGES.contains(&s_str) && !AWARDED_BADGES.contains(&s_str) {
                Err(validate::Invalid::new(
                    "derived_badge",
                    format!("`{s_str}` comes from the partner and cannot be awarded"),
                ))
            } else {
                Ok(s)
            }
        };
        if let Some(slug) = v.check(format!("badges[{i}]"), Slug::parse(b).and_then(derived)) {
            if !badges.contains(&slug.as_str().to_string()) {
                badges.push(slug.into_inner());
            }
        }
    }
    v.finish(|| Some(())).map_err(ApiError::Validation)?;
    let txn = state.db.write.begin().await?;
    let (listing, partner) = for_decision(&txn, &user, &path).await?;
    let from = listing.badges.0.clone();
    let mut row = listing.into_active_model();
    row.badges = Set(StringList(badges));
    row.updated_at = Set(state.settings.clock.now());
    let updated = row.update(&txn).await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        (&user).into(),
        AuditAction::ListingBadgesChanged,
        Subject::Listing(&updated.slug),
        serde_json::json!({ "from": from, "to": updated.badges.0 }),
    )
    .await?;
    let view = managed_view(&txn, &updated, &partner, state.settings.clock.today()).await?;
    state
        .commit_public_change(txn, PublicChange::Listing(updated.slug.clone()))
        .await?;
    Ok(respond::ok(&view))
}

/// Listings and revisions waiting for review, oldest submission first (admins).
#[utoipa::path(get, path = "/api/v1/admin/review-queue", tag = "review", security(("bearer" = [])),
    responses((status = 200, body = Vec<ReviewQueueItem>), (status = 403, body = mercato_shared::Problem)))]
pub async fn queue(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let db = &state.db.read;
    let mut items: Vec<ReviewQueueItem> = listings::Entity::find()
        .filter(listings::Column::Status.eq(ListingStatus::InReview.as_str()))
        .find_also_related(partners::Entity)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(l, p)| {
            let p = p?;
            Some(ReviewQueueItem {
                listing_slug: l.slug.clone(),
                listing_name: l.name.clone(),
                partner: views::partner_ref(&p, state.settings.clock.today()),
                kind: if l.published_at.is_some() {
                    "resubmission"
                } else {
                    "new_listing"
                }
                .into(),
                revision_number: None,
                submitted_at: l.submitted_at.unwrap_or(l.updated_at),
            })
        })
        .collect();
    let revisions = listing_revisions::Entity::find()
        .filter(listing_revisions::Column::State.eq(RevisionState::InReview.as_str()))
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
                items.push(ReviewQueueItem {
                    listing_slug: l.slug.clone(),
                    listing_name: rev.content.0.name.clone(),
                    partner: views::partner_ref(p, state.settings.clock.today()),
                    kind: "revision".into(),
                    revision_number: Some(rev.number),
                    submitted_at: rev.submitted_at.unwrap_or(rev.updated_at),
                });
            }
        }
    }
    items.sort_by_key(|i| i.submitted_at);
    Ok(respond::ok(&items))
}
