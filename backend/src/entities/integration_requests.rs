use mercato_shared::api::integration_requests::RequestStatus;
use sea_orm::entity::prelude::*;

/// A wish for an integration that does not exist yet.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "integration_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tool: String,
    /// `tool` folded: lowercase, single spaces.
    pub tool_key: String,
    #[sea_orm(column_type = "Text")]
    pub use_case: String,
    pub votes: i64,
    /// `open` or `shipped`.
    pub status: RequestStatus,
    pub listing_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub shipped_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
