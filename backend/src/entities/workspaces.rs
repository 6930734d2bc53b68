use mercato_shared::api::workspaces::WorkspaceStatus;
use sea_orm::entity::prelude::*;

/// A customer account that installs integrations.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workspaces")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub domain: Option<String>,
    pub plan: String,
    /// `active` or `churned`.
    pub status: WorkspaceStatus,
    pub churned_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
