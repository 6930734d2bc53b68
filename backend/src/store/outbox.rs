//! The outbox of public changes. A change is recorded in the same transaction as the write,
//! so no committed change is ever missed by a reader of the outbox, and none is announced that
//! did not commit.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};

use crate::entities::{outbox, outbox_watermark, search_state};
use crate::error::ApiResult;

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

pub async fn record(
    db: &impl ConnectionTrait,
    change: &PublicChange,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    let (topic, key) = change.topic_and_key();
    outbox::ActiveModel {
        topic: Set(topic.into()),
        key: Set(key),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The outbox's position: the id of the newest entry, or of the newest pruned one if that is
/// higher (an emptied outbox must not look as if it had never been written).
pub async fn latest_id(db: &impl ConnectionTrait) -> ApiResult<i64> {
    let newest = outbox::Entity::find()
        .order_by_desc(outbox::Column::Id)
        .one(db)
        .await?
        .map_or(0, |r| r.id);
    Ok(newest.max(pruned_through(db).await?))
}

/// The highest id pruned so far (0 before the first prune). A reader whose position is below it
/// has missed entries.
pub async fn pruned_through(db: &impl ConnectionTrait) -> ApiResult<i64> {
    Ok(outbox_watermark::Entity::find_by_id(WATERMARK_ROW)
        .one(db)
        .await?
        .map_or(0, |w| w.pruned_through))
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

/// How long an entry is kept once every search index has applied it. The caches of other
/// instances read the outbox twice a second and expire their entries by TTL anyway.
pub const KEEP: chrono::Duration = chrono::Duration::days(1);

/// A search index whose checkpoint has not moved for this long (its node is gone, or was
/// replaced by a rebuild) is not waited for: if it comes back it finds entries it needs pruned,
/// and rebuilds (`search::worker`).
pub const ABANDONED_AFTER: chrono::Duration = chrono::Duration::days(7);

const WATERMARK_ROW: i32 = 1;

/// Deletes entries older than [`KEEP`] that every live search index has applied (the slowest
/// checkpoint of `search_state`, past [`ABANDONED_AFTER`] aside), and moves the watermark
/// ([`pruned_through`]) to the highest id deleted. Returns how many went.
pub async fn prune(db: &DatabaseConnection, now: DateTime<Utc>) -> ApiResult<u64> {
    let txn = db.begin().await?;
    let slowest: Option<i64> = search_state::Entity::find()
        .select_only()
        .column_as(search_state::Column::LastOutboxId.min(), "slowest")
        .filter(search_state::Column::LastOutboxId.gte(0))
        .filter(search_state::Column::UpdatedAt.gte(now - ABANDONED_AFTER))
        .into_tuple::<Option<i64>>()
        .one(&txn)
        .await?
        .flatten();
    let mut old = outbox::Entity::find().filter(outbox::Column::CreatedAt.lt(now - KEEP));
    if let Some(slowest) = slowest {
        old = old.filter(outbox::Column::Id.lte(slowest));
    }
    let through: Option<i64> = old
        .select_only()
        .column_as(outbox::Column::Id.max(), "through")
        .into_tuple::<Option<i64>>()
        .one(&txn)
        .await?
        .flatten();
    let Some(through) = through else {
        return Ok(0);
    };
    let deleted = outbox::Entity::delete_many()
        .filter(outbox::Column::CreatedAt.lt(now - KEEP))
        .filter(outbox::Column::Id.lte(through))
        .exec(&txn)
        .await?
        .rows_affected;
    outbox_watermark::Entity::insert(outbox_watermark::ActiveModel {
        id: Set(WATERMARK_ROW),
        pruned_through: Set(through),
    })
    .on_conflict(
        OnConflict::column(outbox_watermark::Column::Id)
            .value(
                outbox_watermark::Column::PrunedThrough,
                Expr::case(
                    Expr::col((
                        outbox_watermark::Entity,
                        outbox_watermark::Column::PrunedThrough,
                    ))
                    .lt(through),
                    through,
                )
                .finally(Expr::col((
                    outbox_watermark::Entity,
                    outbox_watermark::Column::PrunedThrough,
                ))),
            )
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(deleted)
}
