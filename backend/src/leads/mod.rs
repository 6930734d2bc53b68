//! Demand capture and routing. The use cases: [`capture`] (a lead from the marketplace),
//! [`inbox`] (a partner's leads, the admins' view of one), [`pipeline`] (the holding partner
//! accepts, declines, qualifies, wins, loses) and [`rules`] (the admins' rules document).
//! Below them: [`ranking`] (the candidate order, a pure function), [`assignment`] (decide,
//! assign, re-assign, the event log) and [`sla`] (the sweeper that re-assigns leads not
//! accepted in time).

pub mod assignment;
pub mod capture;
pub mod inbox;
pub mod pipeline;
pub mod ranking;
pub mod rules;
pub mod sla;

use chrono::{DateTime, Utc};
use mercato_shared::api::leads::{Lead, LeadKind, LeadStatus};
use mercato_shared::api::partners::Region;
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QuerySelect, Select, Set,
};

use crate::entities::{leads, listings, partners};
use crate::error::ApiResult;
use crate::views;

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

/// Stores a lead (its contact consented) and assigns it, in the caller's transaction.
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
    let (partner, reason) = assignment::decide(db, &lead, &routing, &[], now).await?;
    let why = assignment::Move {
        first: true,
        actor,
        note: "submitted",
        at: now,
    };
    let lead = assignment::assign(db, lead, partner.as_ref(), reason, &routing, why).await?;
    Ok((lead, partner))
}

/// A lead as the API (and the webhooks) show it.
pub async fn shown(db: &impl ConnectionTrait, l: &leads::Model) -> ApiResult<Lead> {
    let (listing, partner) = slugs_of(db, l).await?;
    Ok(views::lead(l, listing.as_deref(), partner.as_deref()))
}

/// The slugs of the lead's listing and partner.
pub async fn slugs_of(
    db: &impl ConnectionTrait,
    l: &leads::Model,
) -> ApiResult<(Option<String>, Option<String>)> {
    let listing = match l.listing_id {
        Some(id) => listings::Entity::find_by_id(id)
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

/// `query` with its lead rows locked until the transaction ends, on PostgreSQL (SQLite has one
/// writer, whose transaction is the lock); with `skip_locked`, rows another transaction holds
/// are passed over instead of waited for.
pub fn locked(
    query: Select<leads::Entity>,
    backend: DatabaseBackend,
    skip_locked: bool,
) -> Select<leads::Entity> {
    match (backend, skip_locked) {
        (DatabaseBackend::Postgres, true) => {
            query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        }
        (DatabaseBackend::Postgres, false) => query.lock(LockType::Update),
        _ => query,
    }
}
