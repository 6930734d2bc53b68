//! The partner's pipeline of a lead it holds: accepted → qualified → won | lost (lost also from
//! accepted). One writer for the routes and the demo seed, in the caller's transaction.

use chrono::{DateTime, Utc};
use mercato_shared::api::leads::{LeadStatus, RouteOutcome};
use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel, Set};

use super::route;
use crate::entities::leads;
use crate::error::ApiResult;

/// Whether a lead in `from` may move to `to` along the pipeline.
pub fn can_move(from: LeadStatus, to: LeadStatus) -> bool {
    matches!(
        (from, to),
        (LeadStatus::Accepted, LeadStatus::Qualified)
            | (LeadStatus::Accepted, LeadStatus::Lost)
            | (LeadStatus::Qualified, LeadStatus::Won)
            | (LeadStatus::Qualified, LeadStatus::Lost)
    )
}

/// Accepts a routed lead for its partner: closes the routing decision as accepted and logs
/// the move. The caller checked that the lead is routed.
pub async fn accept(
    db: &impl ConnectionTrait,
    lead: leads::Model,
    actor: Option<i64>,
    at: DateTime<Utc>,
) -> ApiResult<leads::Model> {
    route::close_route(db, lead.id, RouteOutcome::Accepted, at).await?;
    let from = lead.status;
    let mut row = lead.into_active_model();
    row.status = Set(LeadStatus::Accepted);
    row.accepted_at = Set(Some(at));
    row.updated_at = Set(at);
    let lead = row.update(db).await?;
    let why = route::Move {
        first: false,
        actor,
        note: "",
        at,
    };
    route::record(db, &lead, Some(from), why).await?;
    Ok(lead)
}

/// How a lead closes, when it does.
pub enum Outcome {
    Qualified,
    Won { deal_value: i64 },
    Lost { reason: String },
}

/// Moves an accepted or qualified lead along the pipeline (the caller checked
/// [`can_move`]); a won or lost lead is no longer open for its partner.
pub async fn advance(
    db: &impl ConnectionTrait,
    lead: leads::Model,
    outcome: Outcome,
    actor: Option<i64>,
    at: DateTime<Utc>,
) -> ApiResult<leads::Model> {
    let from = lead.status;
    let mut row = lead.into_active_model();
    row.updated_at = Set(at);
    let (to, closes, note) = match &outcome {
        Outcome::Qualified => (LeadStatus::Qualified, false, ""),
        Outcome::Won { deal_value } => {
            row.deal_value = Set(Some(*deal_value));
            row.lost_reason = Set(None);
            (LeadStatus::Won, true, "")
        }
        Outcome::Lost { reason } => {
            row.deal_value = Set(None);
            row.lost_reason = Set(Some(reason.clone()));
            (LeadStatus::Lost, true, reason.as_str())
        }
    };
    row.status = Set(to);
    if closes {
        row.closed_at = Set(Some(at));
    }
    let lead = row.update(db).await?;
    if let (Some(partner), true) = (lead.partner_id, closes) {
        // No longer open for the partner.
        route::count(
            db,
            partner,
            route::Counts {
                open: -1,
                ..route::Counts::default()
            },
        )
        .await?;
    }
    let why = route::Move {
        first: false,
        actor,
        note,
        at,
    };
    route::record(db, &lead, Some(from), why).await?;
    Ok(lead)
}
