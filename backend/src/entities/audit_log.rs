use sea_orm::entity::prelude::*;

/// Append-only log of security-relevant and administrative actions: who, when, from where,
/// what, on what.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// The account that acted; none for refused sign-ins.
    pub actor_id: Option<i64>,
    /// `mercato_shared::api::audit::AuditAction`.
    pub action: String,
    /// `mercato_shared::api::audit::AuditSubjectKind`.
    pub subject_kind: String,
    /// An id or a slug (an email for refused sign-ins); none for the routing rules.
    pub subject: Option<String>,
    /// JSON: what changed.
    #[sea_orm(column_type = "Text")]
    pub details: String,
    /// The client's address as the server saw it.
    pub ip: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
