//! Deal registrations: the one writer of a registration and of its closing, in the caller's
//! transaction (the routes and the demo seed).

use chrono::{DateTime, NaiveDate, Utc};
use mercato_shared::api::deals::DealStatus;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};

use crate::entities::deal_registrations as deals;
use crate::error::{ApiError, ApiResult};

/// A validated registration.
pub struct NewDeal {
    pub partner_id: i64,
    pub account_domain: String,
    pub account_name: String,
    pub value: i64,
    pub expected_close: NaiveDate,
    pub notes: String,
    pub created_by: Option<i64>,
}

/// Registers an opportunity at `at`. While another partner has an active registration for the
/// same account, this one is stored as a conflict pointing at the first (the first wins); a
/// second active one of the same partner is refused.
pub async fn register(
    db: &impl ConnectionTrait,
    new: NewDeal,
    at: DateTime<Utc>,
) -> ApiResult<deals::Model> {
    let active = deals::Entity::find()
        .filter(deals::Column::AccountDomain.eq(new.account_domain.as_str()))
        .filter(deals::Column::Status.eq(DealStatus::Active.as_str()))
        .order_by_asc(deals::Column::Id)
        .all(db)
        .await?;
    if active.iter().any(|d| d.partner_id == new.partner_id) {
        return Err(ApiError::Conflict {
            code: mercato_shared::ErrorCode::AlreadyRegistered,
            detail: "this partner already has an active registration for this account".into(),
            field: Some("account_domain"),
        });
    }
    let first = active.first().map(|d| d.id);
    let status = if first.is_some() {
        DealStatus::Conflict
    } else {
        DealStatus::Active
    };
    Ok(deals::ActiveModel {
        partner_id: Set(new.partner_id),
        account_domain: Set(new.account_domain),
        account_name: Set(new.account_name),
        value: Set(new.value),
        expected_close: Set(new.expected_close),
        notes: Set(new.notes),
        status: Set(status),
        conflict_with: Set(first),
        created_by: Set(new.created_by),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Closes an active registration as won, lost or withdrawn (the caller checked both).
pub async fn close(
    db: &impl ConnectionTrait,
    deal: deals::Model,
    status: DealStatus,
    at: DateTime<Utc>,
) -> ApiResult<deals::Model> {
    let mut row = deal.into_active_model();
    row.status = Set(status);
    row.updated_at = Set(at);
    Ok(row.update(db).await?)
}
