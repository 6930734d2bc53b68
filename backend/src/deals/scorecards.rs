//! Partner scorecards: every active partner's, ranked (marketplace admins and analysts), and
//! one partner's own (its members too). The facts are counted here; the figures and the
//! ranking are `analytics::scorecard`'s.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use mercato_shared::api::deals::Scorecard;
use mercato_shared::api::leads::LeadStatus;
use mercato_shared::api::partners::PartnerStatus;
use mercato_shared::validate::Slug;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::analytics::days;
use crate::analytics::scorecard::{self, Facts, SortBy};
use crate::auth::CurrentUser;
use crate::domain::access::{self, Need};
use crate::entities::{leads, partner_lead_stats, partners};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store;

/// Every active partner's scorecard, best first by `sort` (the caller checked that staff
/// asks).
pub async fn ranking(state: &AppState, sort: SortBy) -> ApiResult<Vec<Scorecard>> {
    let mut cards = scorecards(state, None).await?;
    scorecard::rank(&mut cards, sort);
    Ok(cards)
}

/// Partner `slug`'s scorecard (its members, marketplace admins and analysts).
pub async fn own(state: &AppState, user: &CurrentUser, slug: &Slug) -> ApiResult<Scorecard> {
    let (partner, _) =
        access::partner_for(&state.db.read, Some(user), slug, Need::Performance).await?;
    let card = scorecards(state, Some(partner.id)).await?.pop();
    Ok(card.unwrap_or_else(|| scorecard::card(partner.slug, partner.name, Facts::default())))
}

/// The scorecards of the active partners (only partner `only`'s, if given).
async fn scorecards(state: &AppState, only: Option<i64>) -> ApiResult<Vec<Scorecard>> {
    // Everything acknowledged counts: wait for the usage folder to catch up.
    state.usage_folder.flush().await?;
    let db = &state.db.read;
    let since = days::of_time(state.settings.clock.now()) - 29;
    let mut facts = facts(db, since).await?;
    let mut find =
        partners::Entity::find().filter(partners::Column::Status.eq(PartnerStatus::Active));
    if let Some(id) = only {
        find = find.filter(partners::Column::Id.eq(id));
    }
    Ok(find
        .all(db)
        .await?
        .into_iter()
        .map(|p| {
            let f = facts.remove(&p.id).unwrap_or_default();
            scorecard::card(p.slug, p.name, f)
        })
        .collect())
}

/// What the database counts per partner: sourced pipeline, won and lost leads, SLA record,
/// MAU of its listings since day `since`, and the cycle time of every won lead.
async fn facts(db: &impl ConnectionTrait, since: i32) -> ApiResult<HashMap<i64, Facts>> {
    let mut facts: HashMap<i64, Facts> = HashMap::new();
    let pipelines: Vec<(i64, i64)> = store::rows(
        db,
        "SELECT partner_id, CAST(SUM(value) AS BIGINT) FROM deal_registrations \
         WHERE status IN ('active', 'won') GROUP BY partner_id",
        Vec::new(),
    )
    .await?;
    for (partner, value) in pipelines {
        facts.entry(partner).or_default().pipeline = value;
    }
    let closed: Vec<(i64, String, i64)> = store::rows(
        db,
        "SELECT partner_id, status, CAST(COUNT(*) AS BIGINT) FROM leads \
         WHERE status IN ('won', 'lost') AND partner_id IS NOT NULL GROUP BY partner_id, status",
        Vec::new(),
    )
    .await?;
    for (partner, status, n) in closed {
        let f = facts.entry(partner).or_default();
        if status == LeadStatus::Won.as_str() {
            f.won = n;
        } else {
            f.lost = n;
        }
    }
    // Accepted and breached routes are kept per partner for routing.
    for stats in partner_lead_stats::Entity::find().all(db).await? {
        let f = facts.entry(stats.partner_id).or_default();
        f.accepted_in_time = stats.accepted;
        f.breached = stats.breached;
    }
    let mau: Vec<(i64, i64)> = store::rows(
        db,
        "SELECT l.partner_id, CAST(COUNT(*) AS BIGINT) FROM usage_last_seen s \
         JOIN listings l ON l.id = s.listing_id WHERE s.last_day >= ? GROUP BY l.partner_id",
        vec![since.into()],
    )
    .await?;
    for (partner, n) in mau {
        facts.entry(partner).or_default().mau = n;
    }
    let cycles: Vec<(i64, DateTime<Utc>, DateTime<Utc>)> = leads::Entity::find()
        .select_only()
        .column(leads::Column::PartnerId)
        .column(leads::Column::AcceptedAt)
        .column(leads::Column::ClosedAt)
        .filter(leads::Column::Status.eq(LeadStatus::Won))
        .filter(leads::Column::AcceptedAt.is_not_null())
        .filter(leads::Column::ClosedAt.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    for (partner, accepted, closed) in cycles {
        facts
            .entry(partner)
            .or_default()
            .cycle_days
            .push((closed - accepted).num_seconds() as f64 / 86_400.0);
    }
    Ok(facts)
}
