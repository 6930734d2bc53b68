//! Routing a lead: deciding the partner from the rules and recording the decision.

use chrono::{DateTime, Duration, Utc};
use mercato_shared::api::leads::{LeadKind, LeadStatus, RoutingRules};
use mercato_shared::api::partners::{Motion, Tier};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QuerySelect, Set,
};
use serde_json::{json, Value};

use super::routing::{order, Candidate};
use crate::domain::partner::is_current;
use crate::entities::{lead_events, lead_routes, leads, listings, partners};
use crate::error::ApiResult;

/// Lead statuses that count as a partner's open load.
const OPEN: [&str; 3] = ["routed", "accepted", "qualified"];

/// The partner a lead goes to, and why; `None` when no partner qualifies.
pub async fn decide(
    db: &impl ConnectionTrait,
    lead: &leads::Model,
    rules: &RoutingRules,
    exclude: &[i64],
) -> ApiResult<(Option<partners::Model>, Value)> {
    let kind = LeadKind::parse(&lead.kind).unwrap_or(LeadKind::Other);
    match kind {
        LeadKind::Intro => {
            let owner = match lead.listing_id {
                Some(id) => match listings::Entity::find_by_id(id).one(db).await? {
                    Some(l) => partners::Entity::find_by_id(l.partner_id).one(db).await?,
                    None => None,
                },
                None => None,
            };
            let owner = owner.filter(|p| p.status == "active" && !exclude.contains(&p.id));
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
                    .filter(|p| p.status == "active" && !exclude.contains(&p.id)),
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
            let mut found = Vec::new();
            let mut models = Vec::new();
            for rule in &rules.implementation_help {
                if !rule.categories.is_empty()
                    && !lead
                        .category
                        .as_ref()
                        .is_some_and(|c| rule.categories.contains(c))
                {
                    continue;
                }
                if !rule.regions.is_empty()
                    && !lead
                        .region
                        .as_ref()
                        .is_some_and(|r| rule.regions.iter().any(|x| x.as_str() == r))
                {
                    continue;
                }
                let Some(p) = partners::Entity::find()
                    .filter(partners::Column::Slug.eq(rule.partner.as_str()))
                    .one(db)
                    .await?
                else {
                    continue;
                };
                let offers_services = p.motions.0.contains(&Motion::Services);
                if p.status != "active"
                    || !offers_services
                    || exclude.contains(&p.id)
                    || models.iter().any(|m: &partners::Model| m.id == p.id)
                {
                    continue;
                }
                found.push(candidate(db, &p).await?);
                models.push(p);
            }
            order(&mut found);
            let chosen = found
                .first()
                .and_then(|c| models.iter().find(|m| m.id == c.partner_id).cloned());
            let reason = json!({
                "rule": "implementation_help",
                "explanation": "active services partners matching the category and region, ordered by certification, tier, SLA record, open leads, then in turn",
                "category": lead.category,
                "region": lead.region,
                "candidates": found,
                "chosen": chosen.as_ref().map(|p| p.slug.clone()),
            });
            Ok((chosen, reason))
        }
    }
}

async fn candidate(db: &impl ConnectionTrait, p: &partners::Model) -> ApiResult<Candidate> {
    let today = Utc::now().date_naive();
    let open_leads = leads::Entity::find()
        .filter(leads::Column::PartnerId.eq(p.id))
        .filter(leads::Column::Status.is_in(OPEN))
        .count(db)
        .await? as i64;
    let outcomes: Vec<(String, i64)> = lead_routes::Entity::find()
        .select_only()
        .column(lead_routes::Column::Outcome)
        .column_as(Expr::col(lead_routes::Column::Id).count(), "n")
        .filter(lead_routes::Column::PartnerId.eq(p.id))
        .group_by(lead_routes::Column::Outcome)
        .into_tuple()
        .all(db)
        .await?;
    let count = |o: &str| outcomes.iter().find(|(k, _)| k == o).map_or(0, |(_, n)| *n);
    let (accepted, breached) = (count("accepted"), count("breached"));
    let last_routed_at: Option<DateTime<Utc>> = lead_routes::Entity::find()
        .select_only()
        .column_as(lead_routes::Column::RoutedAt.max(), "last")
        .filter(lead_routes::Column::PartnerId.eq(p.id))
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(db)
        .await?
        .flatten();
    Ok(Candidate {
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
        open_leads,
        last_routed_at,
    })
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
    let from = if why.first {
        String::new()
    } else {
        lead.status.clone()
    };
    let mut row = lead.into_active_model();
    row.updated_at = Set(now);
    row.decision = Set(reason.to_string());
    match partner {
        Some(p) => {
            row.status = Set(LeadStatus::Routed.as_str().into());
            row.partner_id = Set(Some(p.id));
            row.routed_at = Set(Some(now));
            row.sla_due_at = Set(Some(now + Duration::hours(i64::from(rules.sla_hours))));
        }
        None => {
            row.status = Set(LeadStatus::Unroutable.as_str().into());
            row.partner_id = Set(None);
            row.routed_at = Set(None);
            row.sla_due_at = Set(None);
        }
    }
    let lead = row.update(db).await?;
    record(db, &lead, &from, why).await?;
    if let Some(p) = partner {
        lead_routes::ActiveModel {
            lead_id: Set(lead.id),
            partner_id: Set(p.id),
            reason: Set(reason.to_string()),
            outcome: Set("open".into()),
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
    from: &str,
    why: Move<'_>,
) -> ApiResult<()> {
    lead_events::ActiveModel {
        lead_id: Set(lead.id),
        from_status: Set(from.to_string()),
        to_status: Set(lead.status.clone()),
        partner_id: Set(lead.partner_id),
        actor_id: Set(why.actor),
        note: Set((!why.note.is_empty()).then(|| why.note.to_string())),
        at: Set(why.at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Closes the lead's open routing decision with `outcome` (`accepted`, `declined`,
/// `breached`).
pub async fn close_route(
    db: &impl ConnectionTrait,
    lead_id: i64,
    outcome: &str,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    lead_routes::Entity::update_many()
        .col_expr(lead_routes::Column::Outcome, Expr::value(outcome))
        .col_expr(lead_routes::Column::ClosedAt, Expr::value(at))
        .filter(lead_routes::Column::LeadId.eq(lead_id))
        .filter(lead_routes::Column::Outcome.eq("open"))
        .exec(db)
        .await?;
    Ok(())
}

/// Takes a lead from its partner (it declined, or let the SLA pass) and routes it to the next
/// eligible partner — never to one that already had it.
pub async fn reroute(
    db: &impl ConnectionTrait,
    lead: leads::Model,
    outcome: &str,
    rules: &RoutingRules,
    why: Move<'_>,
) -> ApiResult<leads::Model> {
    close_route(db, lead.id, outcome, why.at).await?;
    let had: Vec<i64> = lead_routes::Entity::find()
        .select_only()
        .column(lead_routes::Column::PartnerId)
        .filter(lead_routes::Column::LeadId.eq(lead.id))
        .into_tuple()
        .all(db)
        .await?;
    let (partner, reason) = decide(db, &lead, rules, &had).await?;
    apply(db, lead, partner.as_ref(), reason, rules, why).await
}
