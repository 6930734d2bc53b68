//! Reading leads: a partner's inbox (its members, marketplace admins) and one lead with every
//! routing decision and move (marketplace admins).

use std::collections::HashMap;

use mercato_shared::api::leads::{Lead, LeadDetail, LeadStatus};
use mercato_shared::validate::Slug;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::auth::CurrentUser;
use crate::domain::access::{self, Need};
use crate::entities::{lead_events, lead_routes, leads, listings, partners};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::views;

/// The leads assigned to the partner `slug` (in `status`, if given), newest first.
pub async fn for_partner(
    state: &AppState,
    user: &CurrentUser,
    slug: &Slug,
    status: Option<LeadStatus>,
) -> ApiResult<Vec<Lead>> {
    let db = &state.db.read;
    let (partner, _) = access::partner_for(db, Some(user), slug, Need::PrivateData).await?;
    let mut find = leads::Entity::find().filter(leads::Column::PartnerId.eq(partner.id));
    if let Some(status) = status {
        find = find.filter(leads::Column::Status.eq(status));
    }
    let rows = find.order_by_desc(leads::Column::CreatedAt).all(db).await?;
    // The listings of all of them, in one query.
    let listing_slugs: HashMap<i64, String> = listings::Entity::find()
        .filter(listings::Column::Id.is_in(rows.iter().filter_map(|l| l.listing_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l.slug))
        .collect();
    Ok(rows
        .iter()
        .map(|l| {
            let listing = l.listing_id.and_then(|id| listing_slugs.get(&id));
            views::lead(l, listing.map(String::as_str), Some(&partner.slug))
        })
        .collect())
}

/// Lead `id` with every routing decision and its reasons, and every move (the caller checked
/// that an admin asks).
pub async fn detail(state: &AppState, id: i64) -> ApiResult<LeadDetail> {
    let db = &state.db.read;
    let lead = leads::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("lead"))?;
    let route_rows = lead_routes::Entity::find()
        .filter(lead_routes::Column::LeadId.eq(lead.id))
        .order_by_asc(lead_routes::Column::Id)
        .all(db)
        .await?;
    let event_rows = lead_events::Entity::find()
        .filter(lead_events::Column::LeadId.eq(lead.id))
        .order_by_asc(lead_events::Column::Id)
        .all(db)
        .await?;
    // Every partner the lead passed through, in one query.
    let ids: Vec<i64> = route_rows
        .iter()
        .map(|r| r.partner_id)
        .chain(event_rows.iter().filter_map(|e| e.partner_id))
        .collect();
    let slugs: HashMap<i64, String> = partners::Entity::find()
        .filter(partners::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.slug))
        .collect();
    let slug_of = |id: i64| slugs.get(&id).cloned();
    Ok(LeadDetail {
        lead: super::shown(db, &lead).await?,
        // Also when nobody qualified: the candidates that were looked at.
        decision: serde_json::from_str(&lead.decision).unwrap_or_default(),
        routes: route_rows
            .into_iter()
            .map(|r| {
                let partner = slug_of(r.partner_id).unwrap_or_default();
                views::lead_route(r, partner)
            })
            .collect(),
        events: event_rows
            .into_iter()
            .map(|e| {
                let partner = e.partner_id.and_then(slug_of);
                views::lead_event(e, partner)
            })
            .collect(),
    })
}
