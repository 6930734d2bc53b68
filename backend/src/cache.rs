//! A small in-process cache of public read responses (the body and its ETag), for the hottest
//! public route, `GET /api/v1/listings/{slug}`.
//!
//! Correctness rules:
//! - Every write that can change a public response records a `PublicChange` in the outbox in
//!   its own transaction and applies it to this instance's cache right after the commit
//!   (`AppState::commit_public_change`), so this instance never serves what it knows to be stale.
//! - Every instance also reads the outbox twice a second (`startup::sync_public_cache`) and
//!   applies what others (or `mercato import`) wrote: a change reaches every cache within
//!   about a second.
//! - Entries expire after a TTL all the same (`MERCATO_PUBLIC_CACHE_TTL`, 60 s), a bound for
//!   the unforeseen. Responses say `Cache-Control: max-age=30` anyway.
//! - Only anonymous requests use it; signed-in callers may see more than the public.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use quick_cache::sync::Cache;

use crate::store::outbox::PublicChange;

pub struct CachedResponse {
    pub body: Bytes,
    pub etag: String,
    generation: u64,
    stored: Instant,
}

pub struct PublicCache {
    entries: Option<Cache<String, Arc<CachedResponse>>>,
    generation: AtomicU64,
    ttl: Duration,
}

impl PublicCache {
    /// A cache of up to `capacity` responses; a zero TTL or capacity disables it.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        PublicCache {
            entries: (capacity > 0 && !ttl.is_zero()).then(|| Cache::new(capacity)),
            generation: AtomicU64::new(0),
            ttl,
        }
    }

    pub fn get(&self, key: &str) -> Option<Arc<CachedResponse>> {
        let entry = self.entries.as_ref()?.get(key)?;
        let fresh = entry.generation == self.generation.load(Ordering::Acquire)
            && entry.stored.elapsed() < self.ttl;
        fresh.then_some(entry)
    }

    /// The generation to store a response under: read it *before* loading from the database,
    /// so that a write committing meanwhile makes the stored entry stale at once.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn put(&self, key: String, generation: u64, body: Bytes, etag: String) {
        if let Some(entries) = &self.entries {
            entries.insert(
                key,
                Arc::new(CachedResponse {
                    body,
                    etag,
                    generation,
                    stored: Instant::now(),
                }),
            );
        }
    }

    pub fn invalidate_all(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Drops what a change makes stale: one listing, or everything for wider changes.
    pub fn apply(&self, change: &PublicChange) {
        match (change, &self.entries) {
            (PublicChange::Listing(slug), Some(entries)) => {
                entries.remove(slug.as_str());
            }
            (PublicChange::Listing(_), None) => {}
            _ => self.invalidate_all(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_on_invalidation_and_ttl() {
        let cache = PublicCache::new(10, Duration::from_millis(50));
        let g = cache.generation();
        cache.put("a".into(), g, Bytes::from_static(b"x"), "\"e\"".into());
        assert!(cache.get("a").is_some());
        cache.invalidate_all();
        assert!(cache.get("a").is_none(), "invalidated");
        cache.put("a".into(), g, Bytes::from_static(b"x"), "\"e\"".into());
        assert!(cache.get("a").is_none(), "stored under an old generation");
        cache.put(
            "a".into(),
            cache.generation(),
            Bytes::from_static(b"x"),
            "\"e\"".into(),
        );
        assert!(cache.get("a").is_some());
        std::thread::sleep(Duration::from_millis(60));
        assert!(cache.get("a").is_none(), "expired");
    }

    #[test]
    fn a_zero_ttl_disables_it() {
        let cache = PublicCache::new(10, Duration::ZERO);
        cache.put("a".into(), 0, Bytes::from_static(b"x"), "\"e\"".into());
        assert!(cache.get("a").is_none());
    }
}
