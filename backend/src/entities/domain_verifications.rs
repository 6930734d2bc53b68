use mercato_shared::api::domain_verification::VerificationMethod;
use sea_orm::entity::prelude::*;

/// A partner's domain verification: the proof asked for and the state of its checks.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "domain_verifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub partner_id: i64,
    /// The host of the partner's website when the token was issued.
    pub domain: String,
    pub token: String,
    /// `file` or `dns`.
    pub method: VerificationMethod,
    pub created_at: DateTimeUtc,
    pub verified_at: Option<DateTimeUtc>,
    pub last_checked_at: Option<DateTimeUtc>,
    /// `verified` or the reason of the last failure.
    pub last_result: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_detail: Option<String>,
    /// Set while verified: when the scheduler checks again.
    pub next_check_at: Option<DateTimeUtc>,
    pub consecutive_failures: i32,
    pub lapsed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
