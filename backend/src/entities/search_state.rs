use sea_orm::entity::prelude::*;

/// A search index's checkpoint in the outbox and its writer lease (see `search::worker`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "search_state")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub identity: String,
    pub last_outbox_id: i64,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    /// The lease's fencing token: grows each time the lease changes hands.
    pub lease_token: i64,
    pub updated_at: DateTimeUtc,
    /// When the index was last rebuilt because it had missed pruned outbox entries, and why.
    pub recovered_at: Option<DateTimeUtc>,
    pub recovery: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
