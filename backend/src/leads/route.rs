//! Routing a lead: deciding the partner from the rules and recording the decision.

use chrono::{DateTime, Duration, Utc};
use mercato_shared::api::leads::{LeadKind, LeadStatus, RouteOutcome, RoutingRules};
use mercato_shared::api::partners::{Motion, PartnerStatus, Tier};
use mercato_shared::api::webhooks::WebhookEvent;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel,
    QueryFilter, QuerySelect, Set, Statement,
};
use serde_json::{json, Value};

use super::routing::{order, Candidate};
use crate::domain::partner::is_current;
use crate::entities::json::{Certifications, Motions};
use crate::entities::{lead_events, lead_routes, leads, listings, partners};
use crate::error::ApiResult;
use crate::webhooks;

/// Partners per `IN (…)` list.
const IN_CHUNK: usize = 500;
/// Candidates kept in a decision's reasons (the best ones; the total is kept too).
const REASON_CANDIDATES: usize = 10;

/// The partner a lead goes to, and why; `None` when no partner qualifies.
pub async fn decide(
    db: &impl ConnectionTrait,
    lead: &leads::Model,
    rules: &RoutingRules,
    exclude: &[i64],
    now: DateTime<Utc>,
) -> ApiResult<(Option<partners::Model>, Value)> {
    let kind = lead.kind;
    match kind {
        LeadKind::Intro => {
            let owner = match lead.listing_id {
                Some(id) => match listings::Entity::find_by_id(id).one(db).await? {
                    Some(l) => partners::Entity::find_by_id(l.partner_id).one(db).await?,
                    None => None,
                },
                None => None,
            };
            let owner =
                owner.filter(|p| p.status == PartnerStatus::Active && !exclude.contains(&p.id));
            let reason = json!({
                "rule": "intro",
                "explanation": "an introduction goes to the listing's partner",
                "chosen": owner.as_ref().map(|p| p.slug.clone()),
            });
            Ok((owner, reason))
        }
        LeadKind::Other => {
            let partner = match &rules.other {
                Some(slug) => partners::Entity::find()
                    .filter(partners::Column::Slug.eq(slug.as_str()))
                    .one(db)
                    .await?
                    .filter(|p| p.status == PartnerStatus::Active && !exclude.contains(&p.id)),
                None => None,
            };
            let reason = json!({
                "rule": "other",
                "explanation": "other leads go to the partner the rules name",
                "chosen": partner.as_ref().map(|p| p.slug.clone()),
            });
            Ok((partner, reason))
        }
        LeadKind::ImplementationHelp => {
            // The partners whose rules match, in rule order, once each.
            let mut slugs: Vec<&str> = Vec::new();
            let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
            for rule in &rules.implementation_help {
                let category_ok = rule.categories.is_empty()
                    || lead
                        .category
                        .as_ref()
                        .is_some_and(|c| rule.categories.contains(c));
                let region_ok = rule.regions.is_empty()
                    || lead
                        .region
                        .as_ref()
                        .is_some_and(|r| rule.regions.contains(r));
                if category_ok && region_ok && seen.insert(rule.partner.as_str()) {
                    slugs.push(&rule.partner);
                }
            }
            let mut rows: Vec<CandidateRow> = Vec::new();
            let backend = db.get_database_backend();
            for chunk in slugs.chunks(IN_CHUNK) {
                // One query for the partners and their kept statistics.
                let marks = vec!["?"; chunk.len()].join(", ");
                let sql = format!(
                    "SELECT p.id, p.slug, p.tier, p.certifications, p.motions, \
                     s.open_leads, s.accepted, s.breached, s.last_routed_at \
                     FROM partners p LEFT JOIN partner_lead_stats s ON s.partner_id = p.id \
                     WHERE p.status = 'active' AND p.slug IN ({marks})"
                );
                let values = chunk.iter().map(|s| sea_orm::Value::from(*s));
                rows.extend(
                    CandidateRow::find_by_statement(Statement::from_sql_and_values(
                        backend,
                        crate::store::sql(backend, &sql),
                        values,
                    ))
                    .all(db)
                    .await?
                    .into_iter()
                    .filter(|p| {
                        p.motions.0.contains(&Motion::Services) && !exclude.contains(&p.id)
                    }),
                );
            }
            let mut found = candidates(&rows, now.date_naive());
            order(&mut found);
            let chosen = match found.first() {
                Some(c) => partners::Entity::find_by_id(c.partner_id).one(db).await?,
                None => None,
            };
            let total = found.len();
            found.truncate(REASON_CANDIDATES);
            let reason = json!({
                "rule": "implementation_help",
                "explanation": "active services partners matching the category and region, ordered by certification, tier, SLA record, open leads, then in turn",
                "category": lead.category,
                "region": lead.region,
                "candidates": found,
                "candidates_total": total,
                "chosen": chosen.as_ref().map(|p| p.slug.clone()),
            });
            Ok((chosen, reason))
        }
    }
}

/// What routing needs of a partner (not its whole profile), with its kept statistics (none
/// before its first lead).
#[derive(FromQueryResult)]
struct CandidateRow {
    id: i64,
    slug: String,
    tier: String,
    certifications: Certifications,
    motions: Motions,
    open_leads: Option<i64>,
    accepted: Option<i64>,
    breached: Option<i64>,
    last_routed_at: Option<DateTime<Utc>>,
}

/// The ordering facts of the candidates.
fn candidates(partners: &[CandidateRow], today: chrono::NaiveDate) -> Vec<Candidate> {
    partners
        .iter()
        .map(|p| {
            let (accepted, breached) = (p.accepted.unwrap_or(0), p.breached.unwrap_or(0));
            Candidate {
                partner_id: p.id,
                partner: p.slug.clone(),
                certified: p.certifications.0.iter().any(|c| is_current(c, today)),
                tier_rank: match Tier::parse(&p.tier) {
                    Some(Tier::Premier) => 2,
                    Some(Tier::Select) => 1,
                    _ => 0,
                },
                sla_adherence: if accepted + breached == 0 {
                    1.0
                } else {
                    accepted as f64 / (accepted + breached) as f64
                },
                open_leads: p.open_leads.unwrap_or(0),
                last_routed_at: p.last_routed_at,
            }
        })
        .collect()
}

/// What moved a lead, for its event log.
pub struct Move<'a> {
    /// The lead's first routing (it had no status before).
    pub first: bool,
    pub actor: Option<i64>,
    pub note: &'a str,
    pub at: DateTime<Utc>,
}

/// Routes `lead` to `partner` (or marks it unroutable) and records the decision.
pub async fn apply(
    db: &impl ConnectionTrait,
    lead: leads::Model,
    partner: Option<&partners::Model>,
    reason: Value,
    rules: &RoutingRules,
    why: Move<'_>,
) -> ApiResult<leads::Model> {
    let now = why.at;
    let from = (!why.first).then_some(lead.status);
    let mut row = lead.into_active_model();
    row.updated_at = Set(now);
    row.decision = Set(reason.to_string());
    match partner {
        Some(p) => {
            row.status = Set(LeadStatus::Routed);
            row.partner_id = Set(Some(p.id));
            row.routed_at = Set(Some(now));
            row.sla_due_at = Set(Some(now + Duration::hours(i64::from(rules.sla_hours))));
        }
        None => {
            row.status = Set(LeadStatus::Unroutable);
            row.partner_id = Set(None);
            row.routed_at = Set(None);
            row.sla_due_at = Set(None);
        }
    }
    let lead = row.update(db).await?;
    record(db, &lead, from, why).await?;
    if let Some(p) = partner {
        count(
            db,
            p.id,
            Counts {
                open: 1,
                routed_at: Some(now),
                ..Counts::default()
            },
        )
        .await?;
        lead_routes::ActiveModel {
            lead_id: Set(lead.id),
            partner_id: Set(p.id),
            reason: Set(reason.to_string()),
            outcome: Set(RouteOutcome::Open),
            routed_at: Set(now),
            closed_at: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(lead)
}

/// Appends a move of `lead` (now in its new state) to its event log.
pub async fn record(
    db: &impl ConnectionTrait,
    lead: &leads::Model,
    from: Option<LeadStatus>,
    why: Move<'_>,
) -> ApiResult<()> {
    lead_events::ActiveModel {
        lead_id: Set(lead.id),
        from_status: Set(from.map_or_else(String::new, |s| s.as_str().to_string())),
        to_status: Set(lead.status),
        partner_id: Set(lead.partner_id),
        actor_id: Set(why.actor),
        note: Set((!why.note.is_empty()).then(|| why.note.to_string())),
        at: Set(why.at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    // The partner holding the lead now hears of it.
    let event = match lead.status.as_str() {
        "routed" => WebhookEvent::LeadRouted,
        "unroutable" => return Ok(()),
        _ => WebhookEvent::LeadStatusChanged,
    };
    if let Some(partner_id) = lead.partner_id {
        let to = webhooks::subscribers(db, partner_id, event).await?;
        if !to.is_empty() {
            let (listing, partner) = super::slugs_of(db, lead).await?;
            let data = json!({
                "lead": super::view(lead, listing.as_deref(), partner.as_deref()),
                "from_status": from,
                "note": (!why.note.is_empty()).then_some(why.note),
            });
            to.queue(db, data, why.at).await?;
        }
    }
    Ok(())
}

/// Closes the lead's open routing decision with `outcome`.
pub async fn close_route(
    db: &impl ConnectionTrait,
    lead_id: i64,
    outcome: RouteOutcome,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    let open: Vec<lead_routes::Model> = lead_routes::Entity::find()
        .filter(lead_routes::Column::LeadId.eq(lead_id))
        .filter(lead_routes::Column::Outcome.eq(RouteOutcome::Open))
        .all(db)
        .await?;
    for route in open {
        let partner = route.partner_id;
        let mut row = route.into_active_model();
        row.outcome = Set(outcome);
        row.closed_at = Set(Some(at));
        row.update(db).await?;
        let change = match outcome {
            RouteOutcome::Accepted => Counts {
                accepted: 1,
                ..Counts::default()
            },
            RouteOutcome::Breached => Counts {
                open: -1,
                breached: 1,
                ..Counts::default()
            },
            _ => Counts {
                open: -1,
                ..Counts::default()
            },
        };
        count(db, partner, change).await?;
    }
    Ok(())
}

/// A change to a partner's routing statistics.
#[derive(Default)]
pub struct Counts {
    pub open: i64,
    pub accepted: i64,
    pub breached: i64,
    pub routed_at: Option<DateTime<Utc>>,
}

/// Applies `change` to the partner's statistics (in the caller's transaction).
pub async fn count(db: &impl ConnectionTrait, partner_id: i64, change: Counts) -> ApiResult<()> {
    let backend = db.get_database_backend();
    db.execute(Statement::from_sql_and_values(
        backend,
        crate::store::sql(
            backend,
            "INSERT INTO partner_lead_stats (partner_id, open_leads, accepted, breached, last_routed_at) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (partner_id) DO UPDATE SET \
             open_leads = partner_lead_stats.open_leads + excluded.open_leads, \
             accepted = partner_lead_stats.accepted + excluded.accepted, \
             breached = partner_lead_stats.breached + excluded.breached, \
             last_routed_at = COALESCE(excluded.last_routed_at, partner_lead_stats.last_routed_at)",
        ),
        [
            partner_id.into(),
            change.open.into(),
            change.accepted.into(),
            change.breached.into(),
            change.routed_at.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Takes a lead from its partner (it declined, or let the SLA pass) and routes it to the next
/// eligible partner — never to one that already had it.
pub async fn reroute(
    db: &impl ConnectionTrait,
    lead: leads::Model,
    outcome: RouteOutcome,
    rules: &RoutingRules,
    why: Move<'_>,
) -> ApiResult<leads::Model> {
    close_route(db, lead.id, outcome, why.at).await?;
    if let Some(previous) = lead.partner_id {
        // The partner that lost the lead hears why, but not where it went.
        let to = webhooks::subscribers(db, previous, WebhookEvent::LeadRerouted).await?;
        let data = json!({
            "lead": {"id": lead.id, "kind": lead.kind, "company_name": lead.company_name},
            "reason": outcome,
            "note": why.note,
        });
        to.queue(db, data, why.at).await?;
    }
    let had: Vec<i64> = lead_routes::Entity::find()
        .select_only()
        .column(lead_routes::Column::PartnerId)
        .filter(lead_routes::Column::LeadId.eq(lead.id))
        .into_tuple()
        .all(db)
        .await?;
    let (partner, reason) = decide(db, &lead, rules, &had, why.at).await?;
    apply(db, lead, partner.as_ref(), reason, rules, why).await
}
