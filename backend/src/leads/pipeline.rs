//! The partner's pipeline of a lead it holds: accept or decline a routed lead, then
//! accepted → qualified → won | lost (lost also from accepted).
//!
//! The use cases ([`accept`], [`decline`], [`advance`]) read the lead in their transaction,
//! locked, so the SLA sweeper cannot hand it to another partner between the caller's check and
//! its write; the writers ([`write_acceptance`], [`write_advance`], shared with the demo seed)
//! only write a lead still where it was read, and answer 409 `lead_moved` otherwise.

use chrono::{DateTime, Utc};
use mercato_shared::api::leads::{DeclineLead, Lead, LeadStatus, MoveLead, RouteOutcome};
use mercato_shared::validate::{self, Invalid, Validator};
use mercato_shared::ErrorCode;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, Set, TransactionTrait,
};

use super::{assignment, rules};
use crate::auth::CurrentUser;
use crate::domain::access::PartnerAccess;
use crate::entities::leads;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

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

/// Accepts lead `id`, routed to the caller's partner, within or after the SLA as long as it has
/// not been re-assigned yet.
pub async fn accept(state: &AppState, user: &CurrentUser, id: i64) -> ApiResult<Lead> {
    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    let lead = held(&txn, user, id).await?;
    if lead.status != LeadStatus::Routed {
        return Err(invalid_transition("accept", &lead));
    }
    let lead = write_acceptance(&txn, lead, Some(user.id), now).await?;
    txn.commit().await?;
    super::shown(&state.db.write, &lead).await
}

/// Declines lead `id`, routed to the caller's partner: it goes to the next eligible partner at
/// once (and is no longer the caller's to see).
pub async fn decline(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    body: DeclineLead,
) -> ApiResult<()> {
    let mut v = Validator::new();
    let reason = v.check("reason", validate::text(&body.reason, 1, 1000));
    let reason = v.finish(|| reason).map_err(ApiError::Validation)?;
    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    let lead = held(&txn, user, id).await?;
    if lead.status != LeadStatus::Routed {
        return Err(invalid_transition("decline", &lead));
    }
    let routing = rules::load(&txn).await?;
    let note = format!("declined: {reason}");
    let why = assignment::Move {
        first: false,
        actor: Some(user.id),
        note: &note,
        at: now,
    };
    assignment::reassign(&txn, lead, RouteOutcome::Declined, &routing, why).await?;
    txn.commit().await?;
    Ok(())
}

/// Moves accepted lead `id` along the pipeline (the holding partner's members).
pub async fn advance(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    body: MoveLead,
) -> ApiResult<Lead> {
    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    let lead = held(&txn, user, id).await?;
    if !can_move(lead.status, body.status) {
        let action = match body.status {
            LeadStatus::Won => "win",
            LeadStatus::Lost => "lose",
            LeadStatus::Qualified => "qualify",
            _ => "move",
        };
        return Err(invalid_transition(action, &lead));
    }
    let outcome = outcome(body)?;
    let lead = write_advance(&txn, lead, outcome, Some(user.id), now).await?;
    txn.commit().await?;
    super::shown(&state.db.write, &lead).await
}

/// How a lead closes, when it does.
pub enum Outcome {
    Qualified,
    Won { deal_value: i64 },
    Lost { reason: String },
}

/// The outcome a move asks for: a win has a value, a loss a reason.
fn outcome(body: MoveLead) -> ApiResult<Outcome> {
    let mut v = Validator::new();
    let mut outcome = Some(Outcome::Qualified);
    match body.status {
        LeadStatus::Won => match body.deal_value {
            Some(value) if value > 0 => outcome = Some(Outcome::Won { deal_value: value }),
            Some(_) => v.push(
                "deal_value",
                Invalid::new("out_of_range", "must be more than 0"),
            ),
            None => v.push(
                "deal_value",
                Invalid::new("required", "a won deal has a value"),
            ),
        },
        LeadStatus::Lost => match &body.reason {
            Some(r) => {
                outcome = v
                    .check("reason", validate::text(r, 1, 1000))
                    .map(|reason| Outcome::Lost { reason })
            }
            None => v.push("reason", Invalid::new("required", "say why it was lost")),
        },
        _ => {}
    }
    v.finish(|| outcome).map_err(ApiError::Validation)
}

/// Lead `id` as the caller's partner holds it, read (and on PostgreSQL locked) in `txn`.
/// Leads of other partners do not exist for the caller (404) — except one the caller's partner
/// held before it moved on: that one is 409 `lead_moved`, without saying where it went.
async fn held(txn: &DatabaseTransaction, user: &CurrentUser, id: i64) -> ApiResult<leads::Model> {
    let lead = super::locked(
        leads::Entity::find_by_id(id),
        txn.get_database_backend(),
        false,
    )
    .one(txn)
    .await?
    .ok_or(ApiError::NotFound("lead"))?;
    if let Some(partner_id) = lead.partner_id {
        if PartnerAccess::of(txn, Some(user), partner_id)
            .await?
            .is_member()
        {
            return Ok(lead);
        }
    }
    for earlier in assignment::partners_that_had(txn, lead.id).await? {
        if Some(earlier) != lead.partner_id
            && PartnerAccess::of(txn, Some(user), earlier)
                .await?
                .is_member()
        {
            return Err(lead_moved());
        }
    }
    Err(ApiError::NotFound("lead"))
}

fn invalid_transition(action: &'static str, lead: &leads::Model) -> ApiError {
    ApiError::InvalidTransition {
        subject: "lead",
        action,
        status: lead.status.to_string(),
    }
}

fn lead_moved() -> ApiError {
    ApiError::Conflict {
        code: ErrorCode::LeadMoved,
        detail: "the lead moved on while this request was on its way: it is no longer where it was"
            .into(),
        field: None,
    }
}

/// Writes `row`, a change of the lead read as `read`, only if the lead is still where it was
/// read (the same partner, the same status): 409 `lead_moved` when the SLA sweeper or another
/// member moved it in between.
async fn write_unmoved(
    db: &impl ConnectionTrait,
    read: &leads::Model,
    row: leads::ActiveModel,
) -> ApiResult<leads::Model> {
    let same_partner = match read.partner_id {
        Some(id) => leads::Column::PartnerId.eq(id),
        None => leads::Column::PartnerId.is_null(),
    };
    leads::Entity::update(row)
        .filter(leads::Column::Status.eq(read.status))
        .filter(same_partner)
        .exec(db)
        .await
        .map_err(|e| match e {
            DbErr::RecordNotUpdated => lead_moved(),
            e => e.into(),
        })
}

/// Accepts a routed lead for its partner, in the caller's transaction: closes the routing
/// decision as accepted and logs the move. The caller checked that the lead is routed.
pub async fn write_acceptance(
    db: &impl ConnectionTrait,
    lead: leads::Model,
    actor: Option<i64>,
    at: DateTime<Utc>,
) -> ApiResult<leads::Model> {
    let from = lead.status;
    let mut row = lead.clone().into_active_model();
    row.status = Set(LeadStatus::Accepted);
    row.accepted_at = Set(Some(at));
    row.updated_at = Set(at);
    let lead = write_unmoved(db, &lead, row).await?;
    assignment::close_route(db, lead.id, RouteOutcome::Accepted, at).await?;
    let why = assignment::Move {
        first: false,
        actor,
        note: "",
        at,
    };
    assignment::record(db, &lead, Some(from), why).await?;
    Ok(lead)
}

/// Moves an accepted or qualified lead along the pipeline, in the caller's transaction (the
/// caller checked [`can_move`]); a won or lost lead is no longer open for its partner.
pub async fn write_advance(
    db: &impl ConnectionTrait,
    lead: leads::Model,
    outcome: Outcome,
    actor: Option<i64>,
    at: DateTime<Utc>,
) -> ApiResult<leads::Model> {
    let from = lead.status;
    let mut row = lead.clone().into_active_model();
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
    let lead = write_unmoved(db, &lead, row).await?;
    if let (Some(partner), true) = (lead.partner_id, closes) {
        // No longer open for the partner.
        assignment::count(
            db,
            partner,
            assignment::Counts {
                open: -1,
                ..assignment::Counts::default()
            },
        )
        .await?;
    }
    let why = assignment::Move {
        first: false,
        actor,
        note,
        at,
    };
    assignment::record(db, &lead, Some(from), why).await?;
    Ok(lead)
}
