use sea_orm::entity::prelude::*;

/// One review per workspace and listing.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reviews")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub listing_id: i64,
    pub workspace_id: i64,
    pub author_id: Option<i64>,
    pub rating: i16,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub reply: Option<String>,
    pub reply_author_id: Option<i64>,
    pub replied_at: Option<DateTimeUtc>,
    pub hidden: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub hidden_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
