//! Demand capture and routing: which partner a lead goes to ([`routing`]), the admins' rules
//! ([`rules`]), the writes that route ([`route`]) and the partner's pipeline ([`pipeline`]).

pub mod pipeline;
pub mod route;
pub mod routing;
pub mod rules;
pub mod sla;

use chrono::{DateTime, Utc};
use mercato_shared::api::leads::{Lead, LeadKind, LeadStatus};
use mercato_shared::api::partners::Region;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

use crate::entities::{leads, partners};
use crate::error::ApiResult;

/// A validated lead, ready to store.
pub struct NewLead {
    pub kind: LeadKind,
    pub listing_id: Option<i64>,
    pub category: Option<String>,
    pub region: Option<Region>,
    pub contact_name: String,
    pub email: String,
    pub company_name: String,
    pub company_domain: String,
    pub message: String,
    pub submitted_by: Option<i64>,
    pub ip_hash: String,
}

/// Stores a lead (its contact consented) and routes it, in the caller's transaction.
pub async fn submit(
    db: &impl ConnectionTrait,
    new: NewLead,
    now: DateTime<Utc>,
) -> ApiResult<(leads::Model, Option<partners::Model>)> {
    let actor = new.submitted_by;
    let lead = leads::ActiveModel {
        kind: Set(new.kind),
        listing_id: Set(new.listing_id),
        category: Set(new.category),
        region: Set(new.region),
        contact_name: Set(new.contact_name),
        email: Set(new.email),
        company_name: Set(new.company_name),
        company_domain: Set(new.company_domain),
        message: Set(new.message),
        consent: Set(true),
        status: Set(LeadStatus::Unroutable),
        partner_id: Set(None),
        routed_at: Set(None),
        sla_due_at: Set(None),
        decision: Set("{}".into()),
        accepted_at: Set(None),
        closed_at: Set(None),
        deal_value: Set(None),
        lost_reason: Set(None),
        merged_count: Set(0),
        submitted_by: Set(new.submitted_by),
        ip_hash: Set(new.ip_hash),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let routing = rules::load(db).await?;
    let (partner, reason) = route::decide(db, &lead, &routing, &[], now).await?;
    let why = route::Move {
        first: true,
        actor,
        note: "submitted",
        at: now,
    };
    let lead = route::apply(db, lead, partner.as_ref(), reason, &routing, why).await?;
    Ok((lead, partner))
}

/// A lead as the API (and the webhooks) show it.
pub fn view(l: &leads::Model, listing: Option<&str>, partner: Option<&str>) -> Lead {
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

/// The slugs of the lead's listing and partner.
pub async fn slugs_of(
    db: &impl sea_orm::ConnectionTrait,
    l: &leads::Model,
) -> ApiResult<(Option<String>, Option<String>)> {
    let listing = match l.listing_id {
        Some(id) => crate::entities::listings::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|l| l.slug),
        None => None,
    };
    let partner = match l.partner_id {
        Some(id) => partners::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|p| p.slug),
        None => None,
    };
    Ok((listing, partner))
}
