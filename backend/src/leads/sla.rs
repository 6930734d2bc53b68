//! The acceptance SLA: a routed lead not accepted by its due time goes to the next eligible
//! partner, and the miss is recorded. The timers are rows (`leads.sla_due_at`), swept here, so
//! they survive restarts; on PostgreSQL instances sweep side by side without taking the same
//! lead (`FOR UPDATE SKIP LOCKED`).

use std::time::Duration;

use mercato_shared::api::leads::{LeadStatus, RouteOutcome};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

use super::{assignment, rules};
use crate::clock::Clock;
use crate::db::Db;
use crate::entities::leads;
use crate::error::ApiResult;

/// How often overdue leads are looked for (and whenever a manual clock moves).
const SWEEP_EVERY: Duration = Duration::from_secs(5);
/// Leads re-routed per transaction.
const PER_SWEEP: u64 = 100;

/// Runs until the process ends.
pub async fn run(db: Db, clock: Clock) {
    loop {
        match sweep(&db, &clock).await {
            Ok(n) if n as u64 == PER_SWEEP => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "sweeping lead SLAs failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(SWEEP_EVERY) => {}
            _ = clock.moved() => {}
        }
    }
}

/// Re-assigns the routed leads whose SLA has passed; returns how many.
pub async fn sweep(db: &Db, clock: &Clock) -> ApiResult<usize> {
    let now = clock.now();
    let txn = db.write.begin().await?;
    let overdue = leads::Entity::find()
        .filter(leads::Column::Status.eq(LeadStatus::Routed))
        .filter(leads::Column::SlaDueAt.lte(now))
        .order_by_asc(leads::Column::SlaDueAt)
        .limit(PER_SWEEP);
    let overdue = super::locked(overdue, txn.get_database_backend(), true)
        .all(&txn)
        .await?;
    let n = overdue.len();
    if n > 0 {
        let routing = rules::load(&txn).await?;
        for lead in overdue {
            let why = assignment::Move {
                first: false,
                actor: None,
                note: "not accepted within the SLA",
                at: now,
            };
            assignment::reassign(&txn, lead, RouteOutcome::Breached, &routing, why).await?;
        }
    }
    txn.commit().await?;
    Ok(n)
}
