//! Folds acknowledged usage batches into the roll-ups.
//!
//! What a roll-up write costs is mostly the pages it rewrites, and a batch of 1,000 events
//! touches rows all over the roll-ups. So a batch is acknowledged as soon as it is durable in
//! `usage_pending` (one small row), and this folder adds many pending batches at once — one
//! transaction that writes their summed counts and deletes them — so each page is rewritten
//! once for many batches. A batch is thus counted exactly once: it is either pending or in
//! the roll-ups, never both, never neither.
//!
//! Readers that must see everything acknowledged (the analytics routes) call
//! [`UsageFolder::flush`]. On PostgreSQL several instances may fold at once: each takes the
//! pending rows nobody holds (`FOR UPDATE SKIP LOCKED`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, FromQueryResult, QueryOrder,
    QuerySelect, Statement, TransactionTrait,
};
use tokio::sync::{watch, Notify};

use super::rollups::{self, Daily};
use crate::db::Db;
use crate::entities::usage_pending;

/// Pending batches taken per transaction, and the most events they may hold together.
const MAX_BATCHES_PER_FOLD: u64 = 256;
const MAX_EVENTS_PER_FOLD: i64 = 200_000;
/// After folding fewer than this many batches, the folder pauses for [`FOLD_PAUSE`].
const FULL_FOLD: usize = 64;
const FOLD_PAUSE: Duration = Duration::from_millis(100);
/// How often the folder looks for work nobody woke it for (other instances, a restart).
const IDLE_POLL: Duration = Duration::from_secs(1);
/// How long a reader waits for the backlog before answering with what is folded.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct UsageFolder {
    db: Db,
    wake: Arc<Notify>,
    /// A reader waits for the backlog: fold now.
    urgent: Arc<Notify>,
    /// Counts folds, so that flushes wait for progress instead of polling blindly.
    folds: Arc<watch::Sender<u64>>,
}

#[derive(FromQueryResult)]
struct PendingHead {
    id: i64,
    events: i64,
}

impl UsageFolder {
    pub fn new(db: Db) -> UsageFolder {
        UsageFolder {
            db,
            wake: Arc::new(Notify::new()),
            urgent: Arc::new(Notify::new()),
            folds: Arc::new(watch::channel(0).0),
        }
    }

    /// Runs the folder on the current runtime until the process ends: one task on SQLite
    /// (one writer at a time anyway), two on PostgreSQL, which folds disjoint batches side by
    /// side on both cores of a small machine.
    pub fn start(&self) {
        let tasks = match self.db.write.get_database_backend() {
            DatabaseBackend::Postgres => 2,
            _ => 1,
        };
        for _ in 0..tasks {
            tokio::spawn(self.clone().run());
        }
    }

    /// Tells the folder there is new work.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Returns once every batch acknowledged before the call is in the roll-ups (or after
    /// [`FLUSH_TIMEOUT`], with a warning, if the folder is behind by more than that).
    pub async fn flush(&self) -> Result<(), DbErr> {
        let newest: Option<i64> = usage_pending::Entity::find()
            .select_only()
            .column_as(usage_pending::Column::Id.max(), "max")
            .into_tuple::<Option<i64>>()
            .one(&self.db.read)
            .await?
            .flatten();
        let Some(newest) = newest else {
            return Ok(());
        };
        let mut folds = self.folds.subscribe();
        self.wake();
        self.urgent.notify_one();
        let deadline = Instant::now() + FLUSH_TIMEOUT;
        loop {
            let waiting = self
                .db
                .read
                .query_one(Statement::from_sql_and_values(
                    self.db.read.get_database_backend(),
                    crate::store::sql(
                        self.db.read.get_database_backend(),
                        "SELECT id FROM usage_pending WHERE id <= ? LIMIT 1",
                    ),
                    [newest.into()],
                ))
                .await?;
            if waiting.is_none() {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                tracing::warn!("usage roll-ups are more than {FLUSH_TIMEOUT:?} behind");
                return Ok(());
            }
            // Another instance may fold it: look again now and then even without news.
            let _ =
                tokio::time::timeout(left.min(Duration::from_millis(50)), folds.changed()).await;
        }
    }

    async fn run(self) {
        let mut failures = 0u32;
        loop {
            match fold_once(&self.db).await {
                Ok(0) => {
                    failures = 0;
                    let _ = tokio::time::timeout(IDLE_POLL, self.wake.notified()).await;
                }
                Ok(folded) => {
                    failures = 0;
                    self.folds.send_modify(|n| *n += 1);
                    if folded >= FULL_FOLD {
                        // A backlog: bring in another folder, if one is idle.
                        self.wake.notify_one();
                    } else {
                        // A small fold rewrites nearly as many pages as a large one, and holds
                        // SQLite's one writer meanwhile: let batches gather a moment (unless a
                        // reader waits for them).
                        let _ = tokio::time::timeout(FOLD_PAUSE, self.urgent.notified()).await;
                    }
                }
                Err(e) => {
                    // Nothing is lost: the batches stay pending until a fold succeeds.
                    failures += 1;
                    tracing::error!(error = %e, failures, "folding usage into the roll-ups failed");
                    tokio::time::sleep(Duration::from_millis(100 << failures.min(6))).await;
                }
            }
        }
    }
}

/// Folds the oldest pending batches in one transaction; returns how many.
pub async fn fold_once(db: &Db) -> Result<usize, DbErr> {
    let txn = db.write.begin().await?;
    let backend = txn.get_database_backend();
    let mut heads = usage_pending::Entity::find()
        .select_only()
        .column(usage_pending::Column::Id)
        .column(usage_pending::Column::Events)
        .order_by_asc(usage_pending::Column::Id)
        .limit(MAX_BATCHES_PER_FOLD);
    if backend == DatabaseBackend::Postgres {
        heads = heads.lock_with_behavior(
            sea_orm::sea_query::LockType::Update,
            sea_orm::sea_query::LockBehavior::SkipLocked,
        );
    }
    let heads: Vec<PendingHead> = heads.into_model().all(&txn).await?;
    let mut ids = Vec::new();
    let mut events = 0;
    for head in heads {
        if !ids.is_empty() && events + head.events > MAX_EVENTS_PER_FOLD {
            break;
        }
        events += head.events;
        ids.push(head.id);
    }
    if ids.is_empty() {
        return Ok(0);
    }
    let in_list = rollups::placeholders(backend, 1, ids.len());
    let values: Vec<sea_orm::Value> = ids.iter().map(|id| (*id).into()).collect();
    let blobs = txn
        .query_all(Statement::from_sql_and_values(
            backend,
            format!("SELECT id, rows FROM usage_pending WHERE id IN {in_list}"),
            values.clone(),
        ))
        .await?;
    let mut daily = Daily::new();
    for row in &blobs {
        let bytes: Vec<u8> = row.try_get("", "rows")?;
        rollups::decode_into(&bytes, &mut daily).map_err(|e| {
            DbErr::Custom(format!(
                "usage_pending row {}: {e}",
                row.try_get::<i64>("", "id").unwrap_or_default()
            ))
        })?;
    }
    rollups::write(&txn, &daily, &rollups::last_seen(&daily)).await?;
    txn.execute(Statement::from_sql_and_values(
        backend,
        format!("DELETE FROM usage_pending WHERE id IN {in_list}"),
        values,
    ))
    .await?;
    txn.commit().await?;
    Ok(ids.len())
}
