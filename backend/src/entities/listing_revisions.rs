use mercato_shared::api::listings::RevisionState;
use sea_orm::entity::prelude::*;

use super::json::RevisionContent;

/// An edit of a published listing, reviewed before it replaces the live content.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "listing_revisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub listing_id: i64,
    /// 1, 2, … per listing.
    pub number: i32,
    /// See `mercato_shared::api::listings::RevisionState`.
    pub state: RevisionState,
    #[sea_orm(column_type = "Json")]
    pub content: RevisionContent,
    #[sea_orm(column_type = "Text", nullable)]
    pub review_note: Option<String>,
    pub author_id: Option<i64>,
    pub submitted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
