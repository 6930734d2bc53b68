use mercato_shared::api::leads::RouteOutcome;
use sea_orm::entity::prelude::*;

/// One routing decision of a lead, with its reasons (JSON) and outcome.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lead_routes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub lead_id: i64,
    pub partner_id: i64,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// `open`, `accepted`, `declined`, `breached`.
    pub outcome: RouteOutcome,
    pub routed_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
