//! What usage validation looks up for every event: a listing's id and partner by slug, and
//! whether a workspace exists. Both are asked for by the thousand per batch, so the answers
//! are remembered.
//!
//! Remembering is exact because these facts only change in ways the cache hears of:
//! workspaces and listings are never deleted and slugs never change; a listing changes
//! partner only through an import, whose outbox entry (`PublicChange::Everything`) clears the
//! listings here within the outbox poll (`startup::sync_public_cache`). Misses always go to
//! the database, so nothing unknown is ever accepted.

use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use crate::db::Db;
use crate::entities::{listings, workspaces};
use crate::store::outbox::PublicChange;

/// Beyond this many entries a map starts over (memory stays bounded; it refills on use).
const MAX_LISTINGS: usize = 250_000;
const MAX_WORKSPACES: usize = 2_000_000;
/// Ids per `IN (…)` query.
const LOOKUP_CHUNK: usize = 5000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListingOwner {
    pub listing_id: i64,
    pub partner_id: i64,
}

#[derive(Default)]
pub struct Directory {
    listings: RwLock<HashMap<String, ListingOwner>>,
    workspaces: RwLock<HashSet<i64>>,
}

impl Directory {
    /// The listings among `slugs` that exist.
    pub async fn listings(
        &self,
        db: &Db,
        slugs: &HashSet<&str>,
    ) -> Result<HashMap<String, ListingOwner>, DbErr> {
        let mut found = HashMap::with_capacity(slugs.len());
        let mut missing = Vec::new();
        {
            let known = self.listings.read().expect("directory lock");
            for slug in slugs {
                match known.get(*slug) {
                    Some(owner) => {
                        found.insert(slug.to_string(), *owner);
                    }
                    None => missing.push(slug.to_string()),
                }
            }
        }
        let mut loaded = Vec::new();
        for chunk in missing.chunks(LOOKUP_CHUNK) {
            let rows: Vec<(String, i64, i64)> = listings::Entity::find()
                .select_only()
                .column(listings::Column::Slug)
                .column(listings::Column::Id)
                .column(listings::Column::PartnerId)
                .filter(listings::Column::Slug.is_in(chunk.iter().cloned()))
                .into_tuple()
                .all(&db.read)
                .await?;
            loaded.extend(rows);
        }
        if !loaded.is_empty() {
            let mut known = self.listings.write().expect("directory lock");
            if known.len() + loaded.len() > MAX_LISTINGS {
                known.clear();
            }
            for (slug, listing_id, partner_id) in loaded {
                let owner = ListingOwner {
                    listing_id,
                    partner_id,
                };
                known.insert(slug.clone(), owner);
                found.insert(slug, owner);
            }
        }
        Ok(found)
    }

    /// The workspaces among `ids` that exist.
    pub async fn workspaces(&self, db: &Db, ids: &HashSet<i64>) -> Result<HashSet<i64>, DbErr> {
        let mut found = HashSet::with_capacity(ids.len());
        let mut missing = Vec::new();
        {
            let known = self.workspaces.read().expect("directory lock");
            for id in ids {
                if known.contains(id) {
                    found.insert(*id);
                } else {
                    missing.push(*id);
                }
            }
        }
        let mut loaded = Vec::new();
        for chunk in missing.chunks(LOOKUP_CHUNK) {
            let rows: Vec<i64> = workspaces::Entity::find()
                .select_only()
                .column(workspaces::Column::Id)
                .filter(workspaces::Column::Id.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(&db.read)
                .await?;
            loaded.extend(rows);
        }
        if !loaded.is_empty() {
            let mut known = self.workspaces.write().expect("directory lock");
            if known.len() + loaded.len() > MAX_WORKSPACES {
                known.clear();
            }
            known.extend(loaded.iter().copied());
            found.extend(loaded);
        }
        Ok(found)
    }

    /// Forgets what a change may have made stale.
    pub fn apply(&self, change: &PublicChange) {
        let mut known = self.listings.write().expect("directory lock");
        match change {
            PublicChange::Listing(slug) => {
                known.remove(slug);
            }
            PublicChange::Everything | PublicChange::Partner(_) => known.clear(),
            PublicChange::Category(_) => {}
        }
    }
}
