//! Group commit for usage batches.
//!
//! A usage batch touches rows all over the roll-ups (one per listing, day and workspace), so
//! what a commit costs is mostly the pages it rewrites, whatever the number of events. The
//! handlers therefore validate and fold their batch, then hand it to this one writer, which
//! takes every batch waiting at that moment into a single transaction. Each handler answers
//! only after the transaction that holds its batch committed: nothing is acknowledged before
//! it is durable, and a batch is never half-written.
//!
//! If the group transaction fails because one batch's `Idempotency-Key` is already stored (the
//! same batch sent twice at once), the batches are written again one transaction each, so the
//! duplicate gets its own answer and the others are unaffected.

use std::collections::BTreeMap;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use crate::db::Db;
use crate::entities::usage_batches;
use crate::store::usage::write_rollups;

/// (listing, day, workspace) → events.
pub type Daily = BTreeMap<(i64, i32, i64), i64>;
/// (listing, workspace) → last active day.
pub type LastSeen = BTreeMap<(i64, i64), i32>;

pub struct IdempotencyRecord {
    pub api_key_id: i64,
    pub key: String,
    pub request_hash: String,
    pub response: String,
}

pub struct Job {
    pub idempotency: Option<IdempotencyRecord>,
    pub daily: Daily,
    pub last_seen: LastSeen,
}

#[derive(Debug)]
pub enum WriteError {
    /// The batch's idempotency key is already stored: it was counted before.
    Duplicate,
    Failed(String),
}

type Pending = (Job, oneshot::Sender<Result<(), WriteError>>);

/// Batches waiting at once go into one transaction, up to this many events' worth of rows.
const MAX_GROUP_ROWS: usize = 50_000;

#[derive(Clone)]
pub struct UsageWriter {
    tx: mpsc::Sender<Pending>,
}

impl UsageWriter {
    /// Starts the writer task on the current runtime.
    pub fn start(db: Db) -> UsageWriter {
        let (tx, rx) = mpsc::channel::<Pending>(256);
        tokio::spawn(run(db, rx));
        UsageWriter { tx }
    }

    /// Writes a job; returns once it is committed (or failed).
    pub async fn write(&self, job: Job) -> Result<(), WriteError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send((job, reply))
            .await
            .map_err(|_| WriteError::Failed("the usage writer stopped".into()))?;
        answer
            .await
            .map_err(|_| WriteError::Failed("the usage writer stopped".into()))?
    }
}

async fn run(db: Db, mut rx: mpsc::Receiver<Pending>) {
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        let mut rows = group[0].0.daily.len();
        while rows < MAX_GROUP_ROWS {
            match rx.try_recv() {
                Ok(job) => {
                    rows += job.0.daily.len();
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        match write_group(&db, group.iter().map(|(j, _)| j)).await {
            Ok(()) => {
                for (_, reply) in group {
                    let _ = reply.send(Ok(()));
                }
            }
            Err(_) if group.len() > 1 => {
                // One at a time: each batch gets its own outcome.
                for (job, reply) in group {
                    let result = write_group(&db, std::iter::once(&job)).await;
                    let _ = reply.send(result);
                }
            }
            Err(e) => {
                for (_, reply) in group {
                    let _ = reply.send(Err(match &e {
                        WriteError::Duplicate => WriteError::Duplicate,
                        WriteError::Failed(m) => WriteError::Failed(m.clone()),
                    }));
                }
            }
        }
    }
}

async fn write_group<'a>(db: &Db, jobs: impl Iterator<Item = &'a Job>) -> Result<(), WriteError> {
    let failed = |e: sea_orm::DbErr| WriteError::Failed(e.to_string());
    let mut daily = Daily::new();
    let mut last_seen = LastSeen::new();
    let txn = db.write.begin().await.map_err(failed)?;
    let now = Utc::now();
    for job in jobs {
        if let Some(record) = &job.idempotency {
            let inserted = usage_batches::ActiveModel {
                api_key_id: Set(record.api_key_id),
                idempotency_key: Set(record.key.clone()),
                request_hash: Set(record.request_hash.clone()),
                response: Set(record.response.clone()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await;
            if let Err(e) = inserted {
                return Err(if crate::store::is_unique_violation(&e) {
                    WriteError::Duplicate
                } else {
                    failed(e)
                });
            }
        }
        for (key, events) in &job.daily {
            *daily.entry(*key).or_default() += events;
        }
        for (key, day) in &job.last_seen {
            let seen = last_seen.entry(*key).or_insert(*day);
            *seen = (*seen).max(*day);
        }
    }
    write_rollups(&txn, &daily, &last_seen)
        .await
        .map_err(|e| WriteError::Failed(e.to_string()))?;
    txn.commit().await.map_err(failed)?;
    Ok(())
}
