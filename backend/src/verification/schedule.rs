//! Rechecks of verified domains. A verified partner's row carries `next_check_at`; every
//! instance looks for due rows (every minute, or when a test clock moves), claims each by
//! moving its `next_check_at` past the check's duration in one conditional UPDATE (so two
//! instances never check one domain twice), checks, and records the outcome. A failed
//! recheck is retried an hour later; the second failure in a row lapses the badge with a
//! notice to the partner (see `super::record`).

use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entities::domain_verifications as verifications;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::audit::Actor;

const POLL: Duration = Duration::from_secs(60);
/// Rows checked per round.
const PER_ROUND: u64 = 50;
/// How long a claim holds a row (well past a check's timeouts).
const CLAIM: chrono::Duration = chrono::Duration::minutes(5);

/// Runs until the process ends.
pub async fn run(state: AppState) {
    loop {
        match recheck_due(&state).await {
            Ok(n) if n as u64 == PER_ROUND => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "rechecking verified domains failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = state.settings.clock.moved() => {}
        }
    }
}

/// Checks every verified domain whose recheck is due now; returns how many were checked.
pub async fn recheck_due(state: &AppState) -> ApiResult<usize> {
    let now = state.settings.clock.now();
    let due = verifications::Entity::find()
        .filter(verifications::Column::NextCheckAt.lte(now))
        .order_by_asc(verifications::Column::NextCheckAt)
        .limit(PER_ROUND)
        .all(&state.db.read)
        .await?;
    let mut checked = 0;
    for row in due {
        let claimed = verifications::Entity::update_many()
            .col_expr(verifications::Column::NextCheckAt, Expr::value(now + CLAIM))
            .filter(verifications::Column::PartnerId.eq(row.partner_id))
            .filter(verifications::Column::NextCheckAt.lte(now))
            .exec(&state.db.write)
            .await?
            .rows_affected
            == 1;
        if !claimed {
            continue;
        }
        super::check_and_record(state, &row, Actor::default()).await?;
        checked += 1;
    }
    Ok(checked)
}
