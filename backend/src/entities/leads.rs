use mercato_shared::api::leads::{LeadKind, LeadStatus};
use mercato_shared::api::partners::Region;
use sea_orm::entity::prelude::*;

/// A lead captured on the marketplace, routed to at most one partner at a time.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "leads")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `intro`, `implementation_help` or `other`.
    pub kind: LeadKind,
    pub listing_id: Option<i64>,
    /// Category slug (given, or the listing's first).
    pub category: Option<String>,
    pub region: Option<Region>,
    pub contact_name: String,
    pub email: String,
    pub company_name: String,
    pub company_domain: String,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    pub consent: bool,
    /// `routed`, `unroutable`, `accepted`, `qualified`, `won`, `lost`.
    pub status: LeadStatus,
    pub partner_id: Option<i64>,
    pub routed_at: Option<DateTimeUtc>,
    pub sla_due_at: Option<DateTimeUtc>,
    /// The latest routing decision and its reasons (JSON), also when nobody qualified.
    #[sea_orm(column_type = "Text")]
    pub decision: String,
    pub accepted_at: Option<DateTimeUtc>,
    /// When it was won or lost.
    pub closed_at: Option<DateTimeUtc>,
    pub deal_value: Option<i64>,
    pub lost_reason: Option<String>,
    pub merged_count: i32,
    pub submitted_by: Option<i64>,
    /// SHA-256 of the submitter's address (rate limits without keeping addresses).
    pub ip_hash: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
