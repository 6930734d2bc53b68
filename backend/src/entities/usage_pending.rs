use sea_orm::entity::prelude::*;

/// A usage batch acknowledged but not yet added to the roll-ups: its (listing, day, workspace)
/// event counts, encoded by `usage::rollups::encode`. The folder deletes it in the transaction
/// that adds it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_pending")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub events: i64,
    #[sea_orm(column_type = "Blob")]
    pub rows: Vec<u8>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
