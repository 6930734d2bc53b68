use sea_orm::entity::prelude::*;

/// The fingerprint of a secret every node must share (see `cluster.rs`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "key_checks")]
pub struct Model {
    /// `jwt` or `webhook`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// Hex HMAC-SHA256 of a fixed label under the secret: says whether two nodes hold the same
    /// secret without revealing it.
    pub fingerprint: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
