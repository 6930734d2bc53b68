//! The outbox of public changes. A change is recorded in the same transaction as the write,
//! so no committed change is ever missed by a reader of the outbox, and none is announced that
//! did not commit.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::entities::outbox;
use crate::error::ApiResult;
use crate::state::AppState;

/// What changed, as far as public reads are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicChange {
    /// One listing's public view (its slug).
    Listing(String),
    /// A partner: the public view of all its listings.
    Partner(i64),
    /// A category: the listings in it.
    Category(i64),
    /// Anything (bulk imports).
    Everything,
}

impl PublicChange {
    /// The row's `topic` and `key`; [`from_row`](Self::from_row) is the one way back.
    fn topic_and_key(&self) -> (&'static str, Option<String>) {
        match self {
            PublicChange::Listing(slug) => ("listing", Some(slug.clone())),
            PublicChange::Partner(id) => ("partner", Some(id.to_string())),
            PublicChange::Category(id) => ("category", Some(id.to_string())),
            PublicChange::Everything => ("everything", None),
        }
    }

    pub fn from_row(row: &outbox::Model) -> PublicChange {
        let key = row.key.clone().unwrap_or_default();
        // A topic or key this version cannot read (written by a newer one) is taken as a change
        // to everything: its readers rebuild rather than miss it.
        match row.topic.as_str() {
            "listing" => PublicChange::Listing(key),
            "partner" => key
                .parse()
                .map_or(PublicChange::Everything, PublicChange::Partner),
            "category" => key
                .parse()
                .map_or(PublicChange::Everything, PublicChange::Category),
            _ => PublicChange::Everything,
        }
    }
}

pub async fn record(db: &impl ConnectionTrait, change: &PublicChange) -> ApiResult<()> {
    let (topic, key) = change.topic_and_key();
    outbox::ActiveModel {
        topic: Set(topic.into()),
        key: Set(key),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Records the change, commits the transaction, and drops this instance's cached responses
/// that it makes stale (other instances learn of it from the outbox).
pub async fn commit(
    state: &AppState,
    txn: DatabaseTransaction,
    change: PublicChange,
) -> ApiResult<()> {
    record(&txn, &change).await?;
    txn.commit().await?;
    state.public_cache.apply(&change);
    state.search_notify.notify_one();
    Ok(())
}

/// The id of the newest entry (0 when empty).
pub async fn latest_id(db: &impl ConnectionTrait) -> ApiResult<i64> {
    Ok(outbox::Entity::find()
        .order_by_desc(outbox::Column::Id)
        .one(db)
        .await?
        .map_or(0, |r| r.id))
}

/// Entries after `after`, oldest first.
pub async fn since(
    db: &impl ConnectionTrait,
    after: i64,
    limit: u64,
) -> ApiResult<Vec<outbox::Model>> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::Id.gt(after))
        .order_by_asc(outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Deletes entries older than `before` (every reader has long seen them).
pub async fn prune(db: &impl ConnectionTrait, before: DateTime<Utc>) -> ApiResult<u64> {
    Ok(outbox::Entity::delete_many()
        .filter(outbox::Column::CreatedAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
