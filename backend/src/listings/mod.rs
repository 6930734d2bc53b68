//! Listings, the use cases behind their routes: partners' members draft and edit them
//! (`editing`), marketplace admins review them (`moderation`), everyone reads the published
//! ones (`catalog`), customers review them (`reviews`), and categories group them
//! (`categories`).

pub mod catalog;
pub mod categories;
pub mod editing;
pub mod moderation;
pub mod reviews;

use chrono::{DateTime, NaiveDate, Utc};
use mercato_shared::api::listings::ManagedListing;
use mercato_shared::validate::Slug;
use sea_orm::ConnectionTrait;

use crate::auth::CurrentUser;
use crate::domain::access::{Need, PartnerAccess};
use crate::entities::{listings, partners};
use crate::error::{ApiError, ApiResult};
use crate::store::{self, status_log};
use crate::views;

/// A listing for its partner's side, under `domain::access`'s policy: a listing the caller
/// cannot see (not public, and the caller neither a member of its partner nor a marketplace
/// admin) is 404; one the caller can see but may not do `need` with is 403.
pub async fn listing_for(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    slug: &Slug,
    need: Need,
) -> ApiResult<(listings::Model, partners::Model)> {
    let (listing, partner) = store::listings::by_slug(db, slug.as_str()).await?;
    let access = PartnerAccess::of(db, Some(user), partner.id).await?;
    if !access.can_view_private() && !store::visibility::is_public_listing(&listing, &partner) {
        return Err(ApiError::NotFound("listing"));
    }
    access.require(need)?;
    Ok((listing, partner))
}

/// A listing as its partner and the reviewers see it: status, categories, pending revision.
pub async fn managed_view(
    db: &impl ConnectionTrait,
    listing: &listings::Model,
    partner: &partners::Model,
    today: NaiveDate,
) -> ApiResult<ManagedListing> {
    let categories = store::listings::category_slugs(db, listing.id).await?;
    let pending = store::listings::pending_revision(db, listing.id).await?;
    Ok(views::managed_listing(
        listing,
        partner,
        categories,
        pending.as_ref(),
        today,
    ))
}

/// Who moves a listing or revision to another status, when, and why: what the status log
/// keeps of a move besides its subject and statuses.
struct Mover<'a> {
    by: &'a CurrentUser,
    at: DateTime<Utc>,
    note: Option<&'a str>,
}

impl Mover<'_> {
    /// Records the move of `subject` from `from` (none for what was just created) to `to`.
    async fn log(
        &self,
        db: &impl ConnectionTrait,
        subject: status_log::Subject,
        from: Option<&str>,
        to: &str,
    ) -> ApiResult<()> {
        let change = status_log::Change {
            subject,
            from,
            to,
            actor_id: Some(self.by.id),
            note: self.note,
        };
        status_log::record(db, self.at, change).await
    }
}

/// What a lookup by name found, `None` where nothing has that name (where an unknown name is
/// an answer rather than an error).
fn found<T>(lookup: ApiResult<T>) -> ApiResult<Option<T>> {
    match lookup {
        Ok(row) => Ok(Some(row)),
        Err(ApiError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
