use mercato_shared::api::webhooks::NoticeKind;
use sea_orm::entity::prelude::*;

/// Something a partner's admins must know about (an endpoint switched off, …).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub partner_id: i64,
    /// `webhook_disabled` or `domain_verification_lapsed`.
    pub kind: NoticeKind,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    pub endpoint_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
