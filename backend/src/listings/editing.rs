//! Partners' members write listings: a draft is created and edited in place; a published
//! listing is edited through a revision that goes to review while the published version stays
//! live. Also the listing as its partner sees it, its status history, and the editor's
//! Markdown preview.

use mercato_shared::api::listings::{
    limits, CreateListing, ListingPatch, ListingStatus, ManagedListing, MarkdownPreview,
    RenderedMarkdown, RevisionState,
};
use mercato_shared::api::partners::StatusChange;
use mercato_shared::validate::{self, Slug, Validator};
use mercato_shared::{ErrorCode, FieldError};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    Set, TransactionTrait,
};

use super::{found, listing_for, managed_view, Mover};
use crate::auth::CurrentUser;
use crate::domain::access::{Need, PartnerAccess};
use crate::domain::listing::{apply_patch, content_of_create, content_of_row, ValidListingContent};
use crate::domain::review;
use crate::entities::json::{RevisionContent, StringList};
use crate::entities::{listing_revisions, listings, partners};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{self, status_log};
use crate::views;

fn slug_taken() -> ApiError {
    ApiError::Conflict {
        code: ErrorCode::SlugTaken,
        detail: "another listing uses this slug".into(),
        field: Some("slug"),
    }
}

/// Creates a draft listing for a partner the caller belongs to.
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    req: CreateListing,
) -> ApiResult<ManagedListing> {
    let partner_slug =
        Slug::parse(&req.partner).map_err(|e| ApiError::field("partner", e.code, e.message))?;
    let partner = found(store::partners::by_slug(&state.db.read, partner_slug.as_str()).await)?
        .ok_or_else(|| ApiError::field("partner", "unknown_partner", "there is no such partner"))?;
    PartnerAccess::of(&state.db.read, Some(user), partner.id)
        .await?
        .require(Need::MemberWork)?;

    let slug = Slug::parse(&req.slug).map_err(|e| FieldError {
        field: "slug".into(),
        code: e.code.into(),
        message: e.message,
    });
    let content = ValidListingContent::parse(content_of_create(&req));
    let (slug, content) = match (slug, content) {
        (Ok(s), Ok(c)) => (s, c),
        (s, c) => {
            let mut errors: Vec<FieldError> = s.err().into_iter().collect();
            errors.extend(c.err().unwrap_or_default());
            return Err(ApiError::Validation(errors));
        }
    };
    let category_ids =
        store::categories::resolve(&state.db.read, &content.content().categories).await?;

    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    if listings::Entity::find()
        .filter(listings::Column::Slug.eq(slug.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(slug_taken());
    }
    let mut row = listings::ActiveModel {
        slug: Set(slug.into_inner()),
        partner_id: Set(partner.id),
        status: Set(ListingStatus::Draft),
        badges: Set(StringList::default()),
        monthly_installs: Set(0),
        review_note: Set(None),
        submitted_at: Set(None),
        published_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    content.apply_to(&mut row);
    let listing = row
        .insert(&txn)
        .await
        .map_err(store::taken_as(slug_taken))?;
    store::listings::set_categories(&txn, listing.id, &category_ids).await?;
    let subject = status_log::Subject::Listing {
        partner_id: partner.id,
        listing_id: listing.id,
    };
    let mover = Mover {
        by: user,
        at: now,
        note: None,
    };
    let draft = ListingStatus::Draft.as_str();
    mover.log(&txn, subject, None, draft).await?;
    txn.commit().await?;
    tracing::info!(listing = %listing.slug, partner = %partner.slug, user_id = user.id, "listing drafted");
    Ok(views::managed_listing(
        &listing,
        &partner,
        content.into_content().categories,
        None,
        state.settings.clock.today(),
    ))
}

/// A listing with its status and pending revision, for its partner and admins.
pub async fn managed(
    state: &AppState,
    user: &CurrentUser,
    slug: &Slug,
) -> ApiResult<ManagedListing> {
    let (listing, partner) = listing_for(&state.db.read, user, slug, Need::PrivateData).await?;
    managed_view(
        &state.db.read,
        &listing,
        &partner,
        state.settings.clock.today(),
    )
    .await
}

/// Edits a listing (the partner's members). A draft is edited in place; a published listing
/// gets a pending revision that goes through review while the published version stays live.
pub async fn update(
    state: &AppState,
    user: &CurrentUser,
    slug: &Slug,
    patch: ListingPatch,
) -> ApiResult<ManagedListing> {
    let txn = state.db.write.begin().await?;
    let (listing, partner) = listing_for(&txn, user, slug, Need::MemberWork).await?;
    let status = listing.status;
    let listing = if review::listing_is_directly_editable(status) {
        edit_in_place(state, &txn, listing, patch).await?
    } else if status == ListingStatus::Published {
        edit_revision(state, &txn, user, &listing, &partner, patch).await?;
        listing
    } else {
        return Err(ApiError::InvalidTransition {
            subject: "listing",
            action: "edit",
            status: status.as_str().into(),
        });
    };
    let view = managed_view(&txn, &listing, &partner, state.settings.clock.today()).await?;
    txn.commit().await?;
    Ok(view)
}

/// Applies a patch to the listing row itself (drafts, listings sent back, delisted ones).
async fn edit_in_place(
    state: &AppState,
    txn: &DatabaseTransaction,
    listing: listings::Model,
    patch: ListingPatch,
) -> ApiResult<listings::Model> {
    let current = content_of_row(
        &listing,
        store::listings::category_slugs(txn, listing.id).await?,
    );
    let content =
        ValidListingContent::parse(apply_patch(current, patch)).map_err(ApiError::Validation)?;
    let category_ids = store::categories::resolve(txn, &content.content().categories).await?;
    let mut row = listing.into_active_model();
    content.apply_to(&mut row);
    row.updated_at = Set(state.settings.clock.now());
    let listing = row.update(txn).await?;
    store::listings::set_categories(txn, listing.id, &category_ids).await?;
    Ok(listing)
}

/// Applies a patch to a published listing's open revision, or to a new one based on the live
/// content.
async fn edit_revision(
    state: &AppState,
    txn: &DatabaseTransaction,
    user: &CurrentUser,
    listing: &listings::Model,
    partner: &partners::Model,
    patch: ListingPatch,
) -> ApiResult<()> {
    let now = state.settings.clock.now();
    let pending = store::listings::pending_revision(txn, listing.id).await?;
    if let Some(rev) = &pending {
        if !review::revision_is_editable(rev.state) {
            return Err(ApiError::InvalidTransition {
                subject: "revision",
                action: "edit",
                status: rev.state.to_string(),
            });
        }
    }
    let base = match &pending {
        Some(rev) => rev.content.0.clone(),
        None => content_of_row(
            listing,
            store::listings::category_slugs(txn, listing.id).await?,
        ),
    };
    let content =
        ValidListingContent::parse(apply_patch(base, patch)).map_err(ApiError::Validation)?;
    store::categories::resolve(txn, &content.content().categories).await?;
    match pending {
        Some(rev) => {
            let mut row = rev.into_active_model();
            row.content = Set(RevisionContent(content.into_content()));
            row.author_id = Set(Some(user.id));
            row.updated_at = Set(now);
            row.update(txn).await?;
        }
        None => {
            let number = store::listings::next_revision_number(txn, listing.id).await?;
            listing_revisions::ActiveModel {
                listing_id: Set(listing.id),
                number: Set(number),
                state: Set(RevisionState::Draft),
                content: Set(RevisionContent(content.into_content())),
                review_note: Set(None),
                author_id: Set(Some(user.id)),
                submitted_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            let subject = status_log::Subject::Revision {
                partner_id: partner.id,
                listing_id: listing.id,
                number,
            };
            let mover = Mover {
                by: user,
                at: now,
                note: None,
            };
            let draft = RevisionState::Draft.as_str();
            mover.log(txn, subject, None, draft).await?;
        }
    }
    Ok(())
}

/// The listing's status changes and those of its revisions, oldest first (its partner and
/// admins).
pub async fn history(
    state: &AppState,
    user: &CurrentUser,
    slug: &Slug,
) -> ApiResult<Vec<StatusChange>> {
    let (listing, _) = listing_for(&state.db.read, user, slug, Need::PrivateData).await?;
    status_log::of_listing(&state.db.read, listing.id).await
}

/// Renders a description as the listing page will show it: the editor's preview uses the
/// server's own renderer and sanitiser, so what partners see is what ships.
pub fn preview_markdown(body: &MarkdownPreview) -> ApiResult<RenderedMarkdown> {
    let mut v = Validator::new();
    v.check(
        "markdown",
        validate::text(&body.markdown, 0, limits::DESCRIPTION_MAX),
    );
    v.finish(|| Some(())).map_err(ApiError::Validation)?;
    Ok(RenderedMarkdown {
        html: crate::markdown::render(&body.markdown),
    })
}
