//! Deal registrations: partner members register and close them; admins see the conflicts.

use std::collections::HashMap;

use mercato_shared::api::deals::{CloseDeal, DealRegistration, DealStatus, RegisterDeal};
use mercato_shared::validate::{self, Invalid, Slug, Validator};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use crate::auth::CurrentUser;
use crate::domain::access::{self, Need};
use crate::domain::company::parse_domain;
use crate::entities::{deal_registrations as deals, partners};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::{store, views};

const NOTES_MAX: usize = 2000;

/// Registers an opportunity for partner `slug` (its members). While another partner has an
/// active registration for the same account, this one is recorded as a conflict for admins:
/// the first registration wins.
pub async fn register(
    state: &AppState,
    user: &CurrentUser,
    slug: &Slug,
    body: RegisterDeal,
) -> ApiResult<DealRegistration> {
    let (partner, _) =
        access::partner_for(&state.db.read, Some(user), slug, Need::MemberWork).await?;
    let now = state.settings.clock.now();
    let mut v = Validator::new();
    let domain = v.check("account_domain", parse_domain(&body.account_domain));
    let name = v.check("account_name", validate::line(&body.account_name, 1, 200));
    if body.value <= 0 {
        v.push("value", Invalid::new("out_of_range", "must be more than 0"));
    }
    if body.expected_close < now.date_naive() {
        v.push(
            "expected_close",
            Invalid::new("in_past", "must be today or later"),
        );
    }
    let notes = v.check_opt("notes", body.notes.clone(), |n| {
        validate::text(&n, 0, NOTES_MAX)
    });
    let (domain, name, notes) = v
        .finish(|| Some((domain?, name?, notes?)))
        .map_err(ApiError::Validation)?;

    let txn = state.db.write.begin().await?;
    let row = store::deals::register(
        &txn,
        store::deals::NewDeal {
            partner_id: partner.id,
            account_domain: domain,
            account_name: name,
            value: body.value,
            expected_close: body.expected_close,
            notes: notes.unwrap_or_default(),
            created_by: Some(user.id),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(views::deal_registration(&row, partner.slug))
}

/// Partner `slug`'s registrations, newest first (its members, admins).
pub async fn list(
    state: &AppState,
    user: &CurrentUser,
    slug: &Slug,
) -> ApiResult<Vec<DealRegistration>> {
    let db = &state.db.read;
    let (partner, _) = access::partner_for(db, Some(user), slug, Need::PrivateData).await?;
    let rows = deals::Entity::find()
        .filter(deals::Column::PartnerId.eq(partner.id))
        .order_by_desc(deals::Column::Id)
        .all(db)
        .await?;
    shown(db, &rows).await
}

/// Closes partner `slug`'s active registration `id` as won, lost or withdrawn (its members).
pub async fn close(
    state: &AppState,
    user: &CurrentUser,
    slug: &Slug,
    id: i64,
    body: CloseDeal,
) -> ApiResult<DealRegistration> {
    let (partner, _) =
        access::partner_for(&state.db.read, Some(user), slug, Need::MemberWork).await?;
    if !matches!(
        body.status,
        DealStatus::Won | DealStatus::Lost | DealStatus::Withdrawn
    ) {
        return Err(ApiError::field(
            "status",
            "invalid_value",
            "must be won, lost or withdrawn",
        ));
    }
    let deal = deals::Entity::find_by_id(id)
        .one(&state.db.write)
        .await?
        .filter(|d| d.partner_id == partner.id)
        .ok_or(ApiError::NotFound("deal registration"))?;
    if deal.status != DealStatus::Active {
        return Err(ApiError::InvalidTransition {
            subject: "deal registration",
            action: "close",
            status: deal.status.to_string(),
        });
    }
    let deal = store::deals::close(
        &state.db.write,
        deal,
        body.status,
        state.settings.clock.now(),
    )
    .await?;
    Ok(views::deal_registration(&deal, partner.slug))
}

/// Registrations in conflict, each with the one that was first, newest first (the caller
/// checked that an admin asks).
pub async fn conflicts(state: &AppState) -> ApiResult<Vec<DealRegistration>> {
    let rows = deals::Entity::find()
        .filter(deals::Column::Status.eq(DealStatus::Conflict))
        .order_by_desc(deals::Column::Id)
        .all(&state.db.read)
        .await?;
    shown(&state.db.read, &rows).await
}

/// Registrations as the API shows them, their partners read in one query.
async fn shown(
    db: &impl ConnectionTrait,
    rows: &[deals::Model],
) -> ApiResult<Vec<DealRegistration>> {
    let slugs: HashMap<i64, String> = partners::Entity::find()
        .filter(partners::Column::Id.is_in(rows.iter().map(|d| d.partner_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.slug))
        .collect();
    Ok(rows
        .iter()
        .map(|d| {
            let partner = slugs.get(&d.partner_id).cloned().unwrap_or_default();
            views::deal_registration(d, partner)
        })
        .collect())
}
