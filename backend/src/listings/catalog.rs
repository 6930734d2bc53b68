//! The public reads of listings: pages of summaries (the API's list, a partner's listings, the
//! home, category and use-case pages) and one published listing.

use mercato_shared::api::listings::{Listing, ListingSummary, PricingModel};
use mercato_shared::api::Page;
use mercato_shared::validate::Slug;

use super::found;
use crate::entities::{listings, partners};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::{pagination, store, views};

/// What the public list of listings is asked for: names and the cursor as given, checked by
/// [`browse`].
#[derive(Debug, Clone, Default)]
pub struct Browse {
    /// A category slug.
    pub category: Option<String>,
    /// A partner slug.
    pub partner: Option<String>,
    pub pricing: Option<PricingModel>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Published listings of active partners, most installed first. An unknown category or
/// partner matches nothing.
pub async fn browse(state: &AppState, q: Browse) -> ApiResult<Page<ListingSummary>> {
    let mut filter = store::listings::ListFilter {
        public_only: true,
        pricing: q.pricing,
        after: q.cursor.as_deref().map(pagination::decode).transpose()?,
        limit: pagination::limit(q.limit)?,
        ..Default::default()
    };
    let nothing = || Page {
        items: Vec::new(),
        next_cursor: None,
    };
    if let Some(slug) = &q.category {
        match found(store::categories::by_slug(&state.db.read, slug).await)? {
            Some(c) => filter.category_id = Some(c.id),
            None => return Ok(nothing()),
        }
    }
    if let Some(slug) = &q.partner {
        match found(store::partners::by_slug(&state.db.read, slug).await)? {
            Some(p) => filter.partner_id = Some(p.id),
            None => return Ok(nothing()),
        }
    }
    page(state, &filter).await
}

/// Builds a page of summaries from a list filter.
pub async fn page(
    state: &AppState,
    filter: &store::listings::ListFilter,
) -> ApiResult<Page<ListingSummary>> {
    let mut rows = store::listings::list(&state.db.read, filter).await?;
    let next_cursor = pagination::next_cursor(&mut rows, filter.limit, |(last, _)| {
        (last.monthly_installs, last.id)
    });
    let items = summaries(state, rows).await?;
    Ok(Page { items, next_cursor })
}

/// Listing rows (with their partners) as cards show them, with their category slugs.
pub async fn summaries(
    state: &AppState,
    rows: Vec<(listings::Model, partners::Model)>,
) -> ApiResult<Vec<ListingSummary>> {
    let ids: Vec<i64> = rows.iter().map(|(l, _)| l.id).collect();
    let mut cats = store::listings::category_refs(&state.db.read, &ids).await?;
    Ok(rows
        .iter()
        .map(|(l, p)| {
            let slugs = cats
                .remove(&l.id)
                .unwrap_or_default()
                .into_iter()
                .map(|c| c.slug)
                .collect();
            views::listing_summary(l, p, slugs, state.settings.clock.today())
        })
        .collect())
}

/// A published listing as the public sees it, with its row id (its page lists its reviews).
pub struct Published {
    pub id: i64,
    pub listing: Listing,
}

/// A published listing of an active partner (the hot public read: one query).
pub async fn published(state: &AppState, slug: &Slug) -> ApiResult<Published> {
    let (listing, partner, categories) =
        store::listings::with_partner_and_categories(&state.db.read, slug.as_str())
            .await?
            .filter(|(l, p, _)| store::visibility::is_public_listing(l, p))
            .ok_or(ApiError::NotFound("listing"))?;
    Ok(Published {
        id: listing.id,
        listing: views::listing(&listing, &partner, categories, state.settings.clock.today()),
    })
}
