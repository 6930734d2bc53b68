//! The partner directory and profiles: the list of partners, a partner's public profile and
//! listings, and its admins' edits of the profile.

use mercato_shared::api::listings::ListingSummary;
use mercato_shared::api::partners::{Partner, PartnerStatus, PartnerSummary, PartnerUpdate};
use mercato_shared::api::Page;
use mercato_shared::validate::Slug;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};

use super::shown;
use crate::auth::CurrentUser;
use crate::domain::access::{self, Need};
use crate::domain::partner as rules;
use crate::entities::json::{Motions, Regions};
use crate::entities::partners;
use crate::error::{ApiError, ApiResult};
use crate::listings::catalog;
use crate::state::AppState;
use crate::store::outbox::PublicChange;
use crate::{pagination, store, verification, views};

/// Partners in one status by name, active ones for everyone; marketplace admins list the
/// others (the approval queue is the `applied` ones).
pub async fn list(
    state: &AppState,
    user: Option<&CurrentUser>,
    status: Option<PartnerStatus>,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> ApiResult<Page<PartnerSummary>> {
    let status = status.unwrap_or(PartnerStatus::Active);
    if status != PartnerStatus::Active && !user.is_some_and(|u| u.is_admin()) {
        return Err(ApiError::Forbidden(
            "only marketplace admins may list partners that are not active",
        ));
    }
    let limit = pagination::limit(limit)?;
    let mut query = partners::Entity::find().filter(partners::Column::Status.eq(status));
    if let Some(cursor) = cursor {
        let (name, id): (String, i64) = pagination::decode(cursor)?;
        query = query.filter(
            Condition::any()
                .add(partners::Column::Name.gt(name.clone()))
                .add(
                    Condition::all()
                        .add(partners::Column::Name.eq(name))
                        .add(partners::Column::Id.gt(id)),
                ),
        );
    }
    let mut rows = query
        .order_by_asc(partners::Column::Name)
        .order_by_asc(partners::Column::Id)
        .limit(limit + 1)
        .all(&state.db.read)
        .await?;
    let next_cursor =
        pagination::next_cursor(&mut rows, limit, |last| (last.name.clone(), last.id));
    let today = state.settings.clock.today();
    Ok(Page {
        items: rows
            .iter()
            .map(|p| views::partner_summary(p, today))
            .collect(),
        next_cursor,
    })
}

/// A partner's profile, for whoever may see the partner (`domain::access`'s policy: active
/// ones for everyone, others only for their members and marketplace staff).
pub async fn get(state: &AppState, user: Option<&CurrentUser>, slug: &Slug) -> ApiResult<Partner> {
    let (partner, _) = access::partner_for(&state.db.read, user, slug, Need::Profile).await?;
    shown(&state.db.read, &partner, state.settings.clock.today()).await
}

/// Edits the profile (partner admins). A new website whose domain is not the verified one
/// drops the verification.
pub async fn update(
    state: &AppState,
    user: &CurrentUser,
    slug: &Slug,
    req: PartnerUpdate,
) -> ApiResult<Partner> {
    let (partner, _) =
        access::partner_for(&state.db.read, Some(user), slug, Need::Administration).await?;
    let update = rules::parse_update(req).map_err(ApiError::Validation)?;
    let before = partner.clone();
    let mut row = partner.into_active_model();
    if let Some(v) = update.name {
        row.name = Set(v);
    }
    let mut new_domain = None;
    if let Some(v) = update.website {
        let website = v.map(|u| u.into_inner());
        let domain = website.as_deref().and_then(verification::domain_of);
        if before.verified_domain.is_some() && before.verified_domain != domain {
            row.verified_domain = Set(None);
        }
        new_domain = Some(domain);
        row.website = Set(website);
    }
    if let Some(v) = update.logo_url {
        row.logo_url = Set(v.map(|u| u.into_inner()));
    }
    if let Some(v) = update.description {
        row.description = Set(v);
    }
    if let Some(v) = update.motions {
        row.motions = Set(Motions(v));
    }
    if let Some(v) = update.regions {
        row.regions = Set(Regions(v));
    }
    row.updated_at = Set(state.settings.clock.now());
    let txn = state.db.write.begin().await?;
    let partner = row.update(&txn).await?;
    if let Some(domain) = new_domain {
        verification::website_changed(
            &txn,
            &before,
            domain.as_deref(),
            user.into(),
            state.settings.clock.now(),
        )
        .await?;
    }
    state
        .commit_public_change(txn, PublicChange::Partner(partner.id))
        .await?;
    shown(&state.db.read, &partner, state.settings.clock.today()).await
}

/// The partner's listings: published ones for everyone; every status for its members and
/// marketplace admins.
pub async fn listings(
    state: &AppState,
    user: Option<&CurrentUser>,
    slug: &Slug,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> ApiResult<Page<ListingSummary>> {
    let (partner, access) = access::partner_for(&state.db.read, user, slug, Need::Profile).await?;
    let filter = store::listings::ListFilter {
        public_only: !access.can_view_private(),
        partner_id: Some(partner.id),
        after: cursor.map(pagination::decode).transpose()?,
        limit: pagination::limit(limit)?,
        ..Default::default()
    };
    catalog::page(state, &filter).await
}
