use sea_orm::entity::prelude::*;

/// A usage batch accepted under an `Idempotency-Key`, with the answer given, so a retry gets
/// the same answer and counts nothing twice.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_batches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub api_key_id: i64,
    pub idempotency_key: String,
    /// SHA-256 of the body: the same key with another body is refused.
    pub request_hash: String,
    #[sea_orm(column_type = "Text")]
    pub response: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
