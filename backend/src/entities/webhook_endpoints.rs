use mercato_shared::api::webhooks::EndpointStatus;
use sea_orm::entity::prelude::*;

/// A partner's webhook receiver.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub partner_id: i64,
    pub url: String,
    pub description: String,
    /// JSON array of event types (`lead.routed`, …).
    #[sea_orm(column_type = "Text")]
    pub events: String,
    /// The signing secret, sealed with the server's webhook key (see `webhooks::secrets`).
    #[sea_orm(column_type = "Text")]
    pub secret_sealed: String,
    /// `active` or `disabled`.
    pub status: EndpointStatus,
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTimeUtc>,
    /// When the current run of failed attempts began (none since the last success).
    pub failing_since: Option<DateTimeUtc>,
    pub consecutive_failures: i32,
    pub last_success_at: Option<DateTimeUtc>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
