use mercato_shared::api::leads::LeadStatus;
use sea_orm::entity::prelude::*;

/// One move of a lead: routed, re-routed, accepted, declined, qualified, won, lost.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lead_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub lead_id: i64,
    pub from_status: String,
    pub to_status: LeadStatus,
    /// The partner holding the lead after the move.
    pub partner_id: Option<i64>,
    /// Who moved it (none: the system, e.g. an SLA breach).
    pub actor_id: Option<i64>,
    pub note: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
