use mercato_shared::api::workspaces::{InstallEventKind, InstallSource};
use sea_orm::entity::prelude::*;

/// Append-only history of installs: `installed`, `uninstalled`, `reinstalled`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "install_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub install_id: i64,
    pub workspace_id: i64,
    pub listing_id: i64,
    pub kind: InstallEventKind,
    pub actor_id: Option<i64>,
    pub source: InstallSource,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
