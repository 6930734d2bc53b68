use sea_orm::entity::prelude::*;

/// An account's identity at a single sign-on provider.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_identities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    /// The configured provider's id.
    pub provider: String,
    /// The provider's stable id for the person (`sub`; GitHub's numeric user id).
    pub subject: String,
    /// The verified email the provider gave at the last sign-in.
    pub email: String,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
