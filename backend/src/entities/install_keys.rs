use sea_orm::entity::prelude::*;

/// An Ed25519 key that signs install tokens (the newest signs; all are published).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "install_keys")]
pub struct Model {
    /// `<creation time>-<random>`: sorts by age.
    #[sea_orm(primary_key, auto_increment = false)]
    pub kid: String,
    /// PKCS#8, sealed with the webhook key (purpose "install key").
    #[sea_orm(column_type = "Text")]
    pub sealed_private: String,
    /// The raw public key, base64url (the JWKS's `x`).
    pub public_key: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
