use sea_orm::entity::prelude::*;

/// A change to public data (see `store::outbox`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `listing`, `partner`, `category` or `everything`.
    pub topic: String,
    /// The listing's slug for `listing`; the id for `partner` and `category`.
    pub key: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
