//! Keeps a search index in step with the database by following the outbox.
//!
//! Every write that changes what the public sees records a `PublicChange` in the outbox in the
//! same transaction (`store::outbox`). The worker reads the entries after the index's
//! checkpoint, reloads the affected listings from the database, applies them to the index,
//! commits the index, and only then advances the checkpoint (a row of `search_state`). A crash
//! anywhere in between re-applies the same entries on restart, which is harmless: applying
//! means "make the index match the database now". Nothing committed is ever skipped.
//!
//! - A shared engine (Meilisearch) is written by one process at a time: the worker holds a
//!   lease on the index's `search_state` row, renewed in the background while it works (a
//!   rebuild may wait minutes on Meilisearch). Each time the lease changes hands its fencing
//!   token grows; every write under the lease is checked against the token it was granted
//!   with — index writes before they are sent, the checkpoint in the same `UPDATE` — so a
//!   process that stalled past its lease and lost it to another writes nothing more: its
//!   round fails with [`LeaseError::Lost`] and it waits for the lease like any other.
//! - On PostgreSQL, outbox ids can commit out of order. The worker stops at a hole in the ids
//!   until the entry after it is older than [`GAP_GRACE`] (by then the hole was a rolled-back
//!   transaction, not one still in flight).
//! - An index with no checkpoint yet (first start, or a new engine) is rebuilt from the
//!   database first.
//! - Outbox entries are pruned only once every live index has applied them
//!   (`store::outbox::prune`), but an index left behind for longer than the outbox waits (a
//!   node down for days) finds its checkpoint below the outbox's prune watermark: entries it
//!   needed are gone, and no hole in the ids can tell which. It is rebuilt from the database,
//!   with a warning in the log and the time and reason on its `search_state` row (shown by
//!   `GET /api/v1/admin/search/status`).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set};
use tokio::sync::Notify;

use super::{document, SharedIndex};
use crate::clock::Clock;
use crate::db::Db;
use crate::entities::search_state;
use crate::store::outbox::{self, PublicChange};

const BATCH: u64 = 500;
/// How long a lease lasts unless renewed.
const LEASE: Duration = Duration::from_secs(15);
/// How often a lease is renewed while its holder works: two renewals may fail before it lapses.
pub const RENEW_EVERY: Duration = Duration::from_secs(5);
const GAP_GRACE: chrono::Duration = chrono::Duration::seconds(10);
const IDLE_POLL: Duration = Duration::from_millis(250);

/// Where a crash may be injected, for the tests that prove nothing is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// After the index took the changes, before they are committed.
    BeforeCommit,
    /// After the index committed, before the checkpoint moved.
    AfterCommit,
}

impl CrashPoint {
    /// The test hook `MERCATO_TEST_CRASH_SEARCH_WORKER` (`before-commit`, `after-commit`): read
    /// here rather than in the settings, which are configuration, not test machinery.
    pub fn from_env() -> anyhow::Result<Option<CrashPoint>> {
        match std::env::var("MERCATO_TEST_CRASH_SEARCH_WORKER").as_deref() {
            Err(_) | Ok("") => Ok(None),
            Ok("before-commit") => Ok(Some(CrashPoint::BeforeCommit)),
            Ok("after-commit") => Ok(Some(CrashPoint::AfterCommit)),
            Ok(_) => anyhow::bail!(
                "MERCATO_TEST_CRASH_SEARCH_WORKER must be before-commit or after-commit"
            ),
        }
    }
}

/// The right to write a shared index, as [`acquire`] granted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub owner: String,
    /// The fencing token: writes are refused once the lease has another.
    pub token: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LeaseError {
    #[error("the search index's lease passed to another process (token {0} is no longer current)")]
    Lost(i64),
}

/// What [`acquire`] found: the index's checkpoint (`None` before its first build) and, for a
/// shared index, the lease to write under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acquired {
    pub checkpoint: Option<i64>,
    pub lease: Option<Lease>,
}

pub struct Worker {
    pub db: Db,
    pub index: SharedIndex,
    /// Identifies this process in leases.
    pub owner: String,
    /// Woken by local commits, so changes made here reach the index at once.
    pub notify: Arc<Notify>,
    pub crash: Option<CrashPoint>,
    /// The application's clock: checkpoints are dated by it, and outbox retention judges
    /// their age by it; leases run on it.
    pub clock: Clock,
    /// How often a lease held is renewed while a round works ([`RENEW_EVERY`]).
    pub renew_every: Duration,
}

impl Worker {
    /// Runs until the process ends.
    pub async fn run(self) {
        loop {
            match self.step().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) if e.downcast_ref::<LeaseError>().is_some() => {
                    tracing::warn!(error = %format!("{e:#}"), "stopped writing the search index: another process holds its lease now");
                }
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "search index update failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            tokio::select! {
                _ = self.notify.notified() => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
            }
        }
    }

    /// One round: returns whether there was work (so the caller goes again at once).
    pub async fn step(&self) -> anyhow::Result<bool> {
        let replaced = self.index.identity();
        if self.index.follow_switch()? {
            tracing::info!(index = %self.index.identity(), "search index switched to a rebuilt one");
            // The replaced index's checkpoint would hold back outbox pruning.
            forget(&self.db, &replaced).await?;
        }
        let identity = self.index.identity();
        let Some(acquired) = acquire(
            &self.db,
            &identity,
            &self.owner,
            self.index.shared(),
            self.clock.now(),
        )
        .await?
        else {
            return Ok(false);
        };
        let fence = Fence {
            db: self.db.clone(),
            identity: identity.clone(),
            lease: acquired.lease,
            clock: self.clock.clone(),
        };
        let _renewal = Renewal::start(&fence, self.renew_every);
        let checkpoint = match acquired.checkpoint {
            Some(c) => c,
            None => {
                // No checkpoint: build the index from the database first.
                let n = self.rebuild(&fence).await?;
                tracing::info!(listings = n, index = %identity, "search index built from the database");
                return Ok(true);
            }
        };
        let pruned = outbox::pruned_through(&self.db.read).await?;
        if checkpoint < pruned {
            tracing::warn!(
                index = %identity,
                checkpoint,
                pruned_through = pruned,
                "the search index missed outbox entries that were pruned (it was not kept up to \
                 date for longer than the outbox keeps them); rebuilding it from the database"
            );
            let n = self.rebuild(&fence).await?;
            let reason = format!(
                "rebuilt from the database: it was at outbox entry {checkpoint}, and entries up \
                 to {pruned} had been pruned"
            );
            record_recovery(&fence, &reason).await?;
            tracing::info!(listings = n, index = %identity, "search index rebuilt after missing pruned outbox entries");
            return Ok(true);
        }
        let rows = outbox::since(&self.db.read, checkpoint, BATCH).await?;
        let rows = contiguous(checkpoint, rows, self.clock.now());
        let Some(last) = rows.last().map(|r| r.id) else {
            return Ok(false);
        };
        let changes: Vec<PublicChange> = rows.iter().map(PublicChange::from_row).collect();
        if changes.contains(&PublicChange::Everything) {
            rebuild_in_place(&self.db, &self.index, &fence, |_| {}).await?;
        } else {
            let slugs = affected_slugs(&self.db.read, &changes).await?;
            let (docs, gone) =
                document::for_slugs(&self.db.read, &slugs, self.clock.today()).await?;
            fence.check().await?;
            self.index.upsert(docs).await?;
            self.index.delete(gone).await?;
        }
        self.maybe_crash(CrashPoint::BeforeCommit);
        fence.check().await?;
        self.index.commit().await?;
        self.maybe_crash(CrashPoint::AfterCommit);
        save_checkpoint(&fence, last).await?;
        Ok(true)
    }

    /// Builds the index from the database and checkpoints it at the outbox position read
    /// before the scan (changes made during it are applied again afterwards); the listings.
    async fn rebuild(&self, fence: &Fence) -> anyhow::Result<u64> {
        let start = outbox::latest_id(&self.db.read).await?;
        let n = rebuild_in_place(&self.db, &self.index, fence, |_| {}).await?;
        fence.check().await?;
        self.index.commit().await?;
        save_checkpoint(fence, start).await?;
        Ok(n)
    }

    fn maybe_crash(&self, point: CrashPoint) {
        if self.crash == Some(point) {
            tracing::error!(
                ?point,
                "crashing the search worker on purpose (MERCATO_TEST_CRASH_SEARCH_WORKER)"
            );
            std::process::abort();
        }
    }
}

/// The entries up to the first hole in the ids that may still be a transaction in flight.
fn contiguous(
    checkpoint: i64,
    rows: Vec<crate::entities::outbox::Model>,
    now: chrono::DateTime<Utc>,
) -> Vec<crate::entities::outbox::Model> {
    let mut expected = checkpoint + 1;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        if row.id != expected && now - row.created_at < GAP_GRACE {
            break;
        }
        expected = row.id + 1;
        out.push(row);
    }
    out
}

async fn affected_slugs(
    db: &impl ConnectionTrait,
    changes: &[PublicChange],
) -> anyhow::Result<Vec<String>> {
    let mut slugs = std::collections::BTreeSet::new();
    for change in changes {
        match change {
            PublicChange::Listing(slug) => {
                slugs.insert(slug.clone());
            }
            PublicChange::Partner(id) => slugs.extend(document::slugs_of_partner(db, *id).await?),
            PublicChange::Category(id) => slugs.extend(document::slugs_of_category(db, *id).await?),
            PublicChange::Everything => {}
        }
    }
    Ok(slugs.into_iter().collect())
}

/// Replaces the index's content with the public listings of the database (visible at the
/// commit that follows), reporting progress as documents are added. Each write is fenced.
pub async fn rebuild_in_place(
    db: &Db,
    index: &SharedIndex,
    fence: &Fence,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<u64> {
    fence.check().await?;
    index.clear().await?;
    let mut added = 0;
    let total = document::for_each_public_batch(&db.read, 2000, fence.clock.today(), |docs| {
        added += docs.len() as u64;
        progress(added);
        let index = index.clone();
        async move {
            fence.check().await?;
            index.upsert(docs).await
        }
    })
    .await?;
    Ok(total)
}

/// Who may write an index now. An embedded index needs no check (its one process holds the
/// directory); a shared one is written only while `lease` is still the current one.
pub struct Fence {
    pub db: Db,
    pub identity: String,
    pub lease: Option<Lease>,
    pub clock: Clock,
}

impl Fence {
    /// Refuses a write once the lease has lapsed or passed to another process.
    pub async fn check(&self) -> anyhow::Result<()> {
        let Some(lease) = &self.lease else {
            return Ok(());
        };
        let current = search_state::Entity::find()
            .filter(search_state::Column::Identity.eq(self.identity.as_str()))
            .filter(search_state::Column::LeaseOwner.eq(lease.owner.as_str()))
            .filter(search_state::Column::LeaseToken.eq(lease.token))
            .filter(search_state::Column::LeaseUntil.gte(self.clock.now()))
            .one(&self.db.write)
            .await?;
        match current {
            Some(_) => Ok(()),
            None => Err(LeaseError::Lost(lease.token).into()),
        }
    }
}

/// Keeps a lease renewed in the background while its holder works; stops when dropped.
pub struct Renewal(Option<tokio::task::JoinHandle<()>>);

impl Renewal {
    /// Renews `fence`'s lease every `every` (nothing to do without a lease).
    pub fn start(fence: &Fence, every: Duration) -> Renewal {
        let Some(lease) = fence.lease.clone() else {
            return Renewal(None);
        };
        let (db, identity, clock) = (
            fence.db.clone(),
            fence.identity.clone(),
            fence.clock.clone(),
        );
        Renewal(Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                match renew(&db, &identity, &lease, clock.now()).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(index = %identity, token = lease.token, "the search index's lease passed to another process");
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "renewing the search index's lease failed; trying again")
                    }
                }
            }
        })))
    }
}

impl Drop for Renewal {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

/// Extends a lease still held with its token; whether it was.
async fn renew(db: &Db, identity: &str, lease: &Lease, now: DateTime<Utc>) -> anyhow::Result<bool> {
    let renewed = search_state::Entity::update_many()
        .col_expr(
            search_state::Column::LeaseUntil,
            Expr::value(now + chrono::Duration::from_std(LEASE)?),
        )
        .filter(search_state::Column::Identity.eq(identity))
        .filter(search_state::Column::LeaseOwner.eq(lease.owner.as_str()))
        .filter(search_state::Column::LeaseToken.eq(lease.token))
        .exec(&db.write)
        .await?;
    Ok(renewed.rows_affected == 1)
}

/// Takes or renews the lease on a shared index; `None` when another process holds it. An
/// index that is not shared needs no lease. Taking a lease from another owner (or a released
/// one) moves its fencing token on.
pub async fn acquire(
    db: &Db,
    identity: &str,
    owner: &str,
    lease: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<Acquired>> {
    // Make sure the row exists (without a checkpoint: -1 means "never built").
    search_state::Entity::insert(search_state::ActiveModel {
        identity: Set(identity.to_string()),
        last_outbox_id: Set(-1),
        lease_owner: Set(None),
        lease_until: Set(None),
        lease_token: Set(0),
        updated_at: Set(now),
        recovered_at: Set(None),
        recovery: Set(None),
    })
    .on_conflict(
        OnConflict::column(search_state::Column::Identity)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&db.write)
    .await?;
    let checkpoint =
        |row: &search_state::Model| (row.last_outbox_id >= 0).then_some(row.last_outbox_id);
    if !lease {
        let row = search_state::Entity::find_by_id(identity.to_string())
            .one(&db.write)
            .await?
            .ok_or_else(|| anyhow::anyhow!("search state row vanished"))?;
        return Ok(Some(Acquired {
            checkpoint: checkpoint(&row),
            lease: None,
        }));
    }
    let taken = search_state::Entity::update_many()
        .col_expr(
            search_state::Column::LeaseToken,
            Expr::case(
                search_state::Column::LeaseOwner.eq(owner),
                Expr::col(search_state::Column::LeaseToken),
            )
            .finally(Expr::col(search_state::Column::LeaseToken).add(1))
            .into(),
        )
        .col_expr(search_state::Column::LeaseOwner, Expr::value(owner))
        .col_expr(
            search_state::Column::LeaseUntil,
            Expr::value(now + chrono::Duration::from_std(LEASE)?),
        )
        .filter(search_state::Column::Identity.eq(identity))
        .filter(
            Condition::any()
                .add(search_state::Column::LeaseOwner.eq(owner))
                .add(search_state::Column::LeaseUntil.is_null())
                .add(search_state::Column::LeaseUntil.lt(now)),
        )
        .exec(&db.write)
        .await?;
    if taken.rows_affected != 1 {
        return Ok(None);
    }
    let row = search_state::Entity::find_by_id(identity.to_string())
        .one(&db.write)
        .await?
        .ok_or_else(|| anyhow::anyhow!("search state row vanished"))?;
    if row.lease_owner.as_deref() != Some(owner) {
        return Ok(None);
    }
    Ok(Some(Acquired {
        checkpoint: checkpoint(&row),
        lease: Some(Lease {
            owner: owner.to_string(),
            token: row.lease_token,
        }),
    }))
}

/// Moves the index's checkpoint to `last`, dated by the clock (which says the index is
/// alive); under a lease only while the lease's token is still the current one.
pub async fn save_checkpoint(fence: &Fence, last: i64) -> anyhow::Result<()> {
    let mut update = search_state::Entity::update_many()
        .col_expr(search_state::Column::LastOutboxId, Expr::value(last))
        .col_expr(
            search_state::Column::UpdatedAt,
            Expr::value(fence.clock.now()),
        )
        .filter(search_state::Column::Identity.eq(fence.identity.as_str()));
    if let Some(lease) = &fence.lease {
        update = update
            .filter(search_state::Column::LeaseOwner.eq(lease.owner.as_str()))
            .filter(search_state::Column::LeaseToken.eq(lease.token));
    }
    if update.exec(&fence.db.write).await?.rows_affected == 1 {
        return Ok(());
    }
    match &fence.lease {
        Some(lease) => Err(LeaseError::Lost(lease.token).into()),
        None => Err(anyhow::anyhow!("search state row vanished")),
    }
}

/// Notes on the index's state that it was rebuilt because it had missed pruned entries.
async fn record_recovery(fence: &Fence, reason: &str) -> anyhow::Result<()> {
    search_state::Entity::update_many()
        .col_expr(
            search_state::Column::RecoveredAt,
            Expr::value(fence.clock.now()),
        )
        .col_expr(search_state::Column::Recovery, Expr::value(reason))
        .filter(search_state::Column::Identity.eq(fence.identity.as_str()))
        .exec(&fence.db.write)
        .await?;
    Ok(())
}

/// Drops the state of an index that no longer exists (replaced by a rebuilt one).
async fn forget(db: &Db, identity: &str) -> anyhow::Result<()> {
    search_state::Entity::delete_many()
        .filter(search_state::Column::Identity.eq(identity))
        .exec(&db.write)
        .await?;
    Ok(())
}

/// Gives the lease up (a rebuild that is done, a shutdown).
pub async fn release(db: &Db, identity: &str, owner: &str) -> anyhow::Result<()> {
    search_state::Entity::update_many()
        .col_expr(
            search_state::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            search_state::Column::LeaseUntil,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .filter(search_state::Column::Identity.eq(identity))
        .filter(search_state::Column::LeaseOwner.eq(owner))
        .exec(&db.write)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::outbox::Model;

    fn row(id: i64, age_secs: i64, now: chrono::DateTime<Utc>) -> Model {
        Model {
            id,
            topic: "listing".into(),
            key: Some("x".into()),
            created_at: now - chrono::Duration::seconds(age_secs),
        }
    }

    #[test]
    fn stops_at_young_holes_and_passes_old_ones() {
        let now = Utc::now();
        let ids = |rows: Vec<Model>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(
            ids(contiguous(10, vec![row(11, 0, now), row(12, 0, now)], now)),
            vec![11, 12]
        );
        assert_eq!(
            ids(contiguous(10, vec![row(11, 0, now), row(13, 0, now)], now)),
            vec![11],
            "13 may have a sibling in flight"
        );
        assert_eq!(
            ids(contiguous(10, vec![row(11, 0, now), row(13, 60, now)], now)),
            vec![11, 13],
            "an old hole was a rollback"
        );
        assert!(contiguous(10, vec![row(12, 1, now)], now).is_empty());
    }
}
