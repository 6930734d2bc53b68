use sea_orm::entity::prelude::*;

/// A partner's routing facts, kept with every routing change: open leads (routed, accepted,
/// qualified), routes accepted and breached, and when it last received a lead.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_lead_stats")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub partner_id: i64,
    pub open_leads: i64,
    pub accepted: i64,
    pub breached: i64,
    pub last_routed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
