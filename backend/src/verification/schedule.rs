//! Rechecks of verified domains. A verified partner's row carries `next_check_at`; every
//! instance looks for due rows (every minute, or when a test clock moves), claims each by
//! moving its `next_check_at` past the check's duration in one conditional UPDATE (so two
//! instances never check one domain twice), checks, and records the outcome. A failed
//! recheck is retried an hour later; the second failure in a row lapses the badge with a
//! notice to the partner (see `super::record`).

use std::time::Duration;

use mercato_shared::api::domain_verification::VerificationMethod;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};

use crate::entities::{domain_verifications as verifications, partners};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::audit::Actor;
use crate::store::outbox::{self, PublicChange};

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
        let method = VerificationMethod::parse(&row.method).unwrap_or(VerificationMethod::File);
        let outcome = state
            .domain_checker
            .check(method, &row.domain, &row.token)
            .await;
        let txn = state.db.write.begin().await?;
        // Read again: the website (and so the verification) may have changed meanwhile.
        let partner = partners::Entity::find_by_id(row.partner_id)
            .one(&txn)
            .await?;
        let current = verifications::Entity::find_by_id(row.partner_id)
            .one(&txn)
            .await?;
        let (Some(partner), Some(current)) = (partner, current) else {
            continue;
        };
        if current.token != row.token || current.domain != row.domain {
            continue;
        }
        let recorded = super::record(
            &txn,
            &partner,
            current,
            &outcome,
            state.settings.clock.now(),
            state.settings.domain_recheck_interval,
            Actor::default(),
        )
        .await?;
        if recorded.badge_changed {
            outbox::commit(state, txn, PublicChange::Partner(partner.id)).await?;
        } else {
            txn.commit().await?;
        }
        checked += 1;
    }
    Ok(checked)
}
