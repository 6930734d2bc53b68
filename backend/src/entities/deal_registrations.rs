use mercato_shared::api::deals::DealStatus;
use sea_orm::entity::prelude::*;

/// A partner's claim on an opportunity at an account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deal_registrations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub partner_id: i64,
    pub account_domain: String,
    pub account_name: String,
    pub value: i64,
    pub expected_close: Date,
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    /// `active`, `conflict`, `won`, `lost`, `withdrawn`.
    pub status: DealStatus,
    /// For a conflict: the active registration of another partner it collided with.
    pub conflict_with: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
