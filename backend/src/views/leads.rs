//! Leads as the API (and the webhooks) show them, with the admins' routing history.

use mercato_shared::api::leads::{Lead, LeadEvent, LeadRoute, LeadStatus};

use crate::entities::{lead_events, lead_routes, leads};

/// A lead, with the slugs of its listing and of the partner holding it.
pub fn lead(l: &leads::Model, listing: Option<&str>, partner: Option<&str>) -> Lead {
    Lead {
        id: l.id,
        kind: l.kind,
        listing: listing.map(str::to_string),
        category: l.category.clone(),
        region: l.region,
        contact_name: l.contact_name.clone(),
        email: l.email.clone(),
        company_name: l.company_name.clone(),
        company_domain: l.company_domain.clone(),
        message: l.message.clone(),
        status: l.status,
        partner: partner.map(str::to_string),
        routed_at: l.routed_at,
        sla_due_at: l.sla_due_at,
        accepted_at: l.accepted_at,
        closed_at: l.closed_at,
        deal_value: l.deal_value,
        lost_reason: l.lost_reason.clone(),
        merged_count: l.merged_count,
        created_at: l.created_at,
    }
}

/// One routing decision of a lead, to the partner with slug `partner`.
pub fn lead_route(r: lead_routes::Model, partner: String) -> LeadRoute {
    LeadRoute {
        partner,
        reason: serde_json::from_str(&r.reason).unwrap_or_default(),
        outcome: r.outcome,
        routed_at: r.routed_at,
        closed_at: r.closed_at,
    }
}

/// One move of a lead; `partner` is the slug of the partner holding it after the move.
pub fn lead_event(e: lead_events::Model, partner: Option<String>) -> LeadEvent {
    LeadEvent {
        from: LeadStatus::parse(&e.from_status),
        to: e.to_status,
        partner,
        actor_id: e.actor_id,
        note: e.note,
        at: e.at,
    }
}
