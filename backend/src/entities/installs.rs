use mercato_shared::api::workspaces::{InstallSource, InstallStatus};
use sea_orm::entity::prelude::*;

/// A workspace's install of a listing (one row per pair; its history is in `install_events`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "installs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub listing_id: i64,
    /// `active` or `uninstalled`.
    pub status: InstallStatus,
    pub source: InstallSource,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_term: Option<String>,
    pub utm_content: Option<String>,
    pub installed_by: Option<i64>,
    pub installed_at: DateTimeUtc,
    pub uninstalled_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::listings::Entity",
        from = "Column::ListingId",
        to = "super::listings::Column::Id"
    )]
    Listing,
}

impl Related<super::listings::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Listing.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
