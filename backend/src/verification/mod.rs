//! Partner domain verification. A partner admin asks for a token; the partner publishes it as
//! a file at `https://DOMAIN/.well-known/mercato-verification.txt` or as a TXT record at
//! `_mercato-verification.DOMAIN`; a check finds it and the partner gets the "verified" badge
//! (`partners.verified_domain`). Verified domains are checked again on a schedule
//! (`schedule.rs`); the badge lapses at the second failed check in a row, with a notice to the
//! partner.
//!
//! The file is fetched with the outbound guard's client (`outbound.rs`): names resolving to
//! non-public addresses are refused, redirects are not followed, time and size are bounded.
//! TXT records are asked of the configured resolver (`dns.rs`), which is not user-given.

pub mod checker;
pub mod dns;
pub mod schedule;

pub use checker::{domain_of, file_url, new_token, txt_name, Checker, Outcome};

use mercato_shared::api::webhooks::NoticeKind;

use chrono::{DateTime, Utc};
use mercato_shared::api::audit::AuditAction;
use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel, Set};
use serde_json::json;

use crate::entities::{domain_verifications, partner_notices, partners};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::audit::{self, Actor, Subject};
use crate::store::outbox::PublicChange;

/// A verified domain loses its badge at this many failed checks in a row (one failure may be
/// an outage or a deploy; two, an hour apart, are not).
pub const LAPSE_AFTER_FAILURES: i32 = 2;
/// After a failed recheck of a verified domain, the next check comes this soon (or at the
/// normal interval, if that is sooner).
pub const RETRY_AFTER: chrono::Duration = chrono::Duration::hours(1);

/// Whether the partner holds the badge for this verification's domain.
pub fn is_verified(partner: &partners::Model, row: &domain_verifications::Model) -> bool {
    partner.verified_domain.as_deref() == Some(row.domain.as_str())
}

/// What recording an outcome changed.
pub struct Recorded {
    pub row: domain_verifications::Model,
    /// The badge appeared or lapsed: public pages and the search index must follow.
    pub badge_changed: bool,
}

/// Records a check's outcome in the caller's transaction: the verification's state, the
/// badge, the audit log, and the partner's notice when the badge lapses.
pub async fn record(
    txn: &impl ConnectionTrait,
    partner: &partners::Model,
    row: domain_verifications::Model,
    outcome: &Outcome,
    at: DateTime<Utc>,
    recheck_every: std::time::Duration,
    actor: Actor<'_>,
) -> ApiResult<Recorded> {
    let interval = chrono::Duration::from_std(recheck_every).unwrap_or(chrono::Duration::days(1));
    let was_verified = is_verified(partner, &row);
    let domain = row.domain.clone();
    let method = row.method;
    let failures = row.consecutive_failures;
    let mut active = row.into_active_model();
    active.last_checked_at = Set(Some(at));
    active.last_detail = Set(Some(outcome.detail.clone()));
    let mut badge = None;
    match outcome.failure {
        None => {
            active.last_result = Set(Some("verified".into()));
            active.consecutive_failures = Set(0);
            active.next_check_at = Set(Some(at + interval));
            if !was_verified {
                active.verified_at = Set(Some(at));
                active.lapsed_at = Set(None);
                badge = Some(Some(domain.clone()));
                audit::record(
                    txn,
                    at,
                    actor,
                    AuditAction::DomainVerified,
                    Subject::Partner(&partner.slug),
                    json!({"domain": domain, "method": method}),
                )
                .await?;
            }
        }
        Some(failure) => {
            active.last_result = Set(Some(failure.as_str().into()));
            active.consecutive_failures = Set(failures + 1);
            if was_verified && failures + 1 >= LAPSE_AFTER_FAILURES {
                active.next_check_at = Set(None);
                active.verified_at = Set(None);
                active.lapsed_at = Set(Some(at));
                badge = Some(None);
                audit::record(
                    txn,
                    at,
                    actor,
                    AuditAction::DomainVerificationLapsed,
                    Subject::Partner(&partner.slug),
                    json!({"domain": domain, "reason": failure.as_str(), "detail": outcome.detail}),
                )
                .await?;
                partner_notices::ActiveModel {
                    partner_id: Set(partner.id),
                    kind: Set(NoticeKind::DomainVerificationLapsed),
                    message: Set(format!(
                        "The verified badge for {domain} was removed: the proof could not be found {} checks in a row (last: {}). Publish the token again, then check now to get the badge back.",
                        failures + 1,
                        outcome.detail
                    )),
                    endpoint_id: Set(None),
                    created_at: Set(at),
                    read_at: Set(None),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                tracing::warn!(partner = %partner.slug, %domain, "domain verification lapsed");
            } else if was_verified {
                active.next_check_at = Set(Some(at + RETRY_AFTER.min(interval)));
            }
        }
    }
    let row = active.update(txn).await?;
    let badge_changed = badge.is_some();
    if let Some(verified_domain) = badge {
        let mut p = partner.clone().into_active_model();
        p.verified_domain = Set(verified_domain);
        p.update(txn).await?;
    }
    Ok(Recorded { row, badge_changed })
}

/// Checks `row`'s proof and records the outcome in one transaction, against the rows as they
/// are after the check (which takes time): none when the verification changed meanwhile (a new
/// token, another domain, the partner gone). A changed badge goes through the outbox, so the
/// public cache and the search index follow.
pub async fn check_and_record(
    state: &AppState,
    row: &domain_verifications::Model,
    actor: Actor<'_>,
) -> ApiResult<Option<Recorded>> {
    use sea_orm::{EntityTrait, TransactionTrait};
    let method = row.method;
    let outcome = state
        .domain_checker
        .check(method, &row.domain, &row.token)
        .await;
    let txn = state.db.write.begin().await?;
    let partner = partners::Entity::find_by_id(row.partner_id)
        .one(&txn)
        .await?;
    let current = domain_verifications::Entity::find_by_id(row.partner_id)
        .one(&txn)
        .await?
        .filter(|r| r.token == row.token && r.domain == row.domain);
    let (Some(partner), Some(current)) = (partner, current) else {
        return Ok(None);
    };
    let recorded = record(
        &txn,
        &partner,
        current,
        &outcome,
        state.settings.clock.now(),
        state.settings.domain_recheck_interval,
        actor,
    )
    .await?;
    if recorded.badge_changed {
        state
            .commit_public_change(txn, PublicChange::Partner(partner.id))
            .await?;
    } else {
        txn.commit().await?;
    }
    Ok(Some(recorded))
}

/// The partner's website changed (`domain`: the new one's, if any; the caller has cleared
/// the badge if it was for another domain): a verification of another domain no longer
/// counts. Its token is forgotten, and a removed badge is recorded in the audit log (the
/// partner's admin did it, so no notice).
pub async fn website_changed(
    txn: &impl ConnectionTrait,
    before: &partners::Model,
    domain: Option<&str>,
    actor: Actor<'_>,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut stale = domain_verifications::Entity::delete_many()
        .filter(domain_verifications::Column::PartnerId.eq(before.id));
    if let Some(d) = domain {
        stale = stale.filter(domain_verifications::Column::Domain.ne(d));
    }
    stale.exec(txn).await?;
    match before.verified_domain.as_deref() {
        Some(verified) if Some(verified) != domain => {
            audit::record(
                txn,
                at,
                actor,
                AuditAction::DomainVerificationLapsed,
                Subject::Partner(&before.slug),
                json!({"domain": verified, "reason": "website_changed"}),
            )
            .await
        }
        _ => Ok(()),
    }
}
