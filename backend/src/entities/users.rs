use mercato_shared::api::auth::UserRole;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub email: String,
    /// argon2id PHC string; `None` for accounts that only sign in through a provider.
    pub password_hash: Option<String>,
    pub display_name: String,
    /// `customer`, `analyst` or `admin` (see `mercato_shared::api::auth::UserRole`).
    pub role: UserRole,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
