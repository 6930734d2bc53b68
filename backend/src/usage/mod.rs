//! Usage reported by partners' integrations, from acknowledgement to roll-ups:
//!
//! 1. [`ingest`] validates a batch (looking listings and workspaces up in the
//!    [`directory`]), sums it per (listing, day, workspace) and stores it
//!    in `usage_pending` with its `Idempotency-Key` in one transaction, then answers.
//! 2. [`folder`] adds pending batches to the roll-ups many at a time.
//! 3. [`rollups`] is the storage format of both.

pub mod directory;
pub mod folder;
pub mod ingest;
pub mod rollups;

pub use folder::UsageFolder;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::entities::usage_batches;

/// How long a batch's `Idempotency-Key` is remembered: a retry within this time is answered
/// as the first time; after it, the key may be used again.
pub const IDEMPOTENCY_KEEP: chrono::Duration = chrono::Duration::days(7);

/// Forgets idempotency keys stored before `before`.
pub async fn prune_idempotency_keys(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(usage_batches::Entity::delete_many()
        .filter(usage_batches::Column::CreatedAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
