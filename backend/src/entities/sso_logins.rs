use sea_orm::entity::prelude::*;

/// A single sign-on in flight: created when the browser is sent to the provider, consumed
/// (deleted) by the callback, so a `state` works once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sso_logins")]
pub struct Model {
    /// SHA-256 of the `state`, hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub state_hash: String,
    pub provider: String,
    /// The PKCE code verifier, sealed with the secret box.
    pub sealed_verifier: String,
    pub nonce: String,
    pub redirect_uri: String,
    pub return_to: String,
    /// The signed-in account that is linking the provider.
    pub link_user_id: Option<i64>,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
