use sea_orm::entity::prelude::*;

/// Append-only log of status changes of partners, listings and revisions: who, when, why.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "status_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `partner`, `listing` or `revision`.
    pub subject: String,
    pub partner_id: Option<i64>,
    pub listing_id: Option<i64>,
    pub revision_number: Option<i32>,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
