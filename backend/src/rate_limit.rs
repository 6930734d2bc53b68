//! Request rate limits: every request counts against its client address, and, when it carries
//! one, against its account (a valid access token) or its API key. Each is a token bucket that
//! holds a minute's allowance and refills continuously, so bursts up to the allowance pass and
//! a steady rate above it is answered 429 `rate_limited` with `Retry-After` (whole seconds
//! until a request would pass). The middleware that applies them is
//! `http::middleware::rate_limit`.
//!
//! On SQLite (one node) the buckets live in this process. On PostgreSQL, where several nodes
//! may serve one marketplace, the limits hold for the cluster as a whole: each caller's bucket
//! is a row of `rate_buckets`, and a node *leases* a slice of it (a twentieth of the allowance)
//! in one atomic statement, then spends the slice locally. Tokens come out of the shared
//! bucket before they are spent, so the nodes together never let through more than the
//! allowance; a slice unspent after a second is dropped (the caller is, if anything, held back
//! a little). One round trip per slice rather than per request keeps the cost low. PostgreSQL
//! rather than a separate store (Redis): the database is already what every node shares and
//! must reach, so there is nothing more to run, secure or lose. The rows' clock is the
//! database's (`clock_timestamp()`), the one clock all nodes see.
//!
//! Addresses are the client's as `http::client` tells it (the peer, or what a trusted proxy
//! forwarded).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

/// Allowances per minute; 0 turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_address: u32,
    pub per_account: u32,
    pub per_api_key: u32,
}

impl Limits {
    pub fn of(settings: &crate::config::Settings) -> Limits {
        Limits {
            per_address: settings.rate_limit_per_address,
            per_account: settings.rate_limit_per_account,
            per_api_key: settings.rate_limit_per_api_key,
        }
    }
}

/// Who a bucket belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    Address(std::net::IpAddr),
    Account(i64),
    /// The first bytes of the key's SHA-256 (the secret itself is not kept).
    ApiKey([u8; 16]),
}

impl Caller {
    /// The caller's key in `rate_buckets`.
    fn bucket_key(&self) -> String {
        match self {
            Caller::Address(ip) => format!("address:{ip}"),
            Caller::Account(id) => format!("account:{id}"),
            Caller::ApiKey(digest) => {
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                format!("key:{hex}")
            }
        }
    }

    pub fn noun(&self) -> &'static str {
        match self {
            Caller::Address(_) => "address",
            Caller::Account(_) => "account",
            Caller::ApiKey(_) => "API key",
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

const SHARDS: usize = 16;
/// Past this many buckets in a shard, full (idle) ones are dropped.
const SHARD_SWEEP_AT: usize = 10_000;
/// The part of a caller's allowance a node leases from the shared bucket at a time.
const LEASE_SHARE: f64 = 0.05;
/// A leased slice not spent within this is dropped.
const LEASE_LIFE: Duration = Duration::from_secs(1);

/// A bucket's map, split in shards so callers rarely wait on each other's lock.
struct Shards<T> {
    shards: Vec<Mutex<HashMap<Caller, T>>>,
}

impl<T> Shards<T> {
    fn new() -> Shards<T> {
        Shards {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    fn of(&self, caller: &Caller) -> std::sync::MutexGuard<'_, HashMap<Caller, T>> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        caller.hash(&mut hasher);
        self.shards[hasher.finish() as usize % SHARDS]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }
}

/// A slice of a shared bucket this node may spend.
#[derive(Debug, Clone, Copy)]
struct Lease {
    tokens: f64,
    until: Instant,
}

/// Where the buckets are.
enum Store {
    /// In this process: the embedded (SQLite) installation is one node.
    Process(Shards<Bucket>),
    /// In the database, leased in slices: the limits hold for the cluster.
    Database {
        db: DatabaseConnection,
        leases: Shards<Lease>,
    },
}

pub struct RateLimiter {
    limits: Limits,
    store: Store,
}

impl RateLimiter {
    /// Buckets in this process (one node).
    pub fn new(limits: Limits) -> RateLimiter {
        RateLimiter {
            limits,
            store: Store::Process(Shards::new()),
        }
    }

    /// Buckets in the database, shared by every node on it (PostgreSQL).
    pub fn shared(limits: Limits, db: DatabaseConnection) -> RateLimiter {
        RateLimiter {
            limits,
            store: Store::Database {
                db,
                leases: Shards::new(),
            },
        }
    }

    fn allowance(&self, caller: &Caller) -> u32 {
        match caller {
            Caller::Address(_) => self.limits.per_address,
            Caller::Account(_) => self.limits.per_account,
            Caller::ApiKey(_) => self.limits.per_api_key,
        }
    }

    /// Takes one request from the caller's bucket; `Err(seconds)` to wait when it is empty.
    pub async fn take(&self, caller: &Caller, now: Instant) -> Result<(), u64> {
        let allowance = self.allowance(caller);
        if allowance == 0 {
            return Ok(());
        }
        let capacity = f64::from(allowance);
        match &self.store {
            Store::Process(buckets) => take_local(buckets, caller, capacity, now),
            Store::Database { db, leases } => {
                {
                    let mut held = leases.of(caller);
                    if let Some(lease) = held.get_mut(caller) {
                        if lease.tokens >= 1.0 && now < lease.until {
                            lease.tokens -= 1.0;
                            return Ok(());
                        }
                    }
                }
                // A database that does not answer must not take the site down with it: the
                // request passes (and is logged); the next lease tries again.
                let granted = match lease(db, caller, capacity).await {
                    Ok(granted) => granted,
                    Err(e) => {
                        tracing::warn!(error = %e, "leasing from the shared rate limit failed");
                        return Ok(());
                    }
                };
                match granted {
                    Granted::Tokens(n) => {
                        let mut held = leases.of(caller);
                        let lease = held.entry(caller.clone()).or_insert(Lease {
                            tokens: 0.0,
                            until: now,
                        });
                        // Requests that found the slice spent at the same moment each leased
                        // one: keep what is left of all of them (replacing would drop tokens
                        // the shared bucket has already given out).
                        let left = if now < lease.until { lease.tokens } else { 0.0 };
                        *lease = Lease {
                            tokens: left + n - 1.0,
                            until: now + LEASE_LIFE,
                        };
                        Ok(())
                    }
                    Granted::Wait(secs) => Err(secs),
                }
            }
        }
    }
}

fn take_local(
    buckets: &Shards<Bucket>,
    caller: &Caller,
    capacity: f64,
    now: Instant,
) -> Result<(), u64> {
    let per_second = capacity / 60.0;
    let mut buckets = buckets.of(caller);
    if buckets.len() >= SHARD_SWEEP_AT {
        buckets.retain(|_, b| {
            b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second < capacity
        });
    }
    let bucket = buckets.entry(caller.clone()).or_insert(Bucket {
        tokens: capacity,
        at: now,
    });
    let refilled =
        bucket.tokens + now.saturating_duration_since(bucket.at).as_secs_f64() * per_second;
    bucket.tokens = refilled.min(capacity);
    bucket.at = now;
    if bucket.tokens >= 1.0 {
        bucket.tokens -= 1.0;
        Ok(())
    } else {
        Err(((1.0 - bucket.tokens) / per_second).ceil().max(1.0) as u64)
    }
}

/// What a lease got: tokens to spend here, or how long the shared bucket needs to refill.
enum Granted {
    Tokens(f64),
    Wait(u64),
}

/// Leases a slice of the caller's shared bucket in one statement: refill it for the time
/// since it was last touched (by any node), take up to a slice of the whole tokens in it, and
/// say how much was taken. The row lock of the upsert serialises the nodes.
async fn lease(
    db: &DatabaseConnection,
    caller: &Caller,
    capacity: f64,
) -> Result<Granted, sea_orm::DbErr> {
    let rate = capacity / 60.0;
    let slice = (capacity * LEASE_SHARE).floor().max(1.0);
    let refilled = "LEAST($2, rate_buckets.tokens + GREATEST(0, \
                    EXTRACT(EPOCH FROM (clock_timestamp() - rate_buckets.refilled_at))) * $4)";
    let sql = format!(
        "INSERT INTO rate_buckets (caller, tokens, refilled_at, last_grant) \
         VALUES ($1, $2 - LEAST($3, $2), clock_timestamp(), LEAST($3, $2)) \
         ON CONFLICT (caller) DO UPDATE SET \
           last_grant = LEAST($3, FLOOR({refilled})), \
           tokens = {refilled} - LEAST($3, FLOOR({refilled})), \
           refilled_at = clock_timestamp() \
         RETURNING last_grant, tokens"
    );
    let row = db
        .query_one(Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            sql,
            [
                caller.bucket_key().into(),
                capacity.into(),
                slice.into(),
                rate.into(),
            ],
        ))
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound("rate bucket".into()))?;
    let granted: f64 = row.try_get_by_index(0)?;
    let left: f64 = row.try_get_by_index(1)?;
    Ok(if granted >= 1.0 {
        Granted::Tokens(granted)
    } else {
        Granted::Wait(((1.0 - left) / rate).ceil().max(1.0) as u64)
    })
}

/// Forgets the buckets of callers idle for ten minutes (they would be full again).
pub async fn prune_shared(db: &DatabaseConnection) -> Result<u64, sea_orm::DbErr> {
    let done = db
        .execute(Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "DELETE FROM rate_buckets WHERE refilled_at < clock_timestamp() - INTERVAL '10 minutes'"
                .to_string(),
        ))
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_a_minutes_allowance_then_refills_steadily() {
        let buckets = Shards::new();
        let take = |caller: &Caller, capacity: f64, at: Instant| {
            take_local(&buckets, caller, capacity, at)
        };
        let caller = Caller::Address("192.0.2.1".parse().unwrap());
        let t0 = Instant::now();
        for _ in 0..60 {
            assert_eq!(take(&caller, 60.0, t0), Ok(()));
        }
        // One per second comes back.
        assert_eq!(take(&caller, 60.0, t0), Err(1));
        let t1 = t0 + Duration::from_millis(1000);
        assert_eq!(take(&caller, 60.0, t1), Ok(()));
        assert_eq!(take(&caller, 60.0, t1), Err(1));
        // Another caller has its own bucket.
        let other = Caller::Address("192.0.2.2".parse().unwrap());
        assert_eq!(take(&other, 60.0, t0), Ok(()));
        // Six a minute: the wait after the burst is ten seconds.
        let key = Caller::ApiKey([7; 16]);
        for _ in 0..6 {
            assert_eq!(take(&key, 6.0, t0), Ok(()));
        }
        assert_eq!(take(&key, 6.0, t0), Err(10));
    }

    #[tokio::test]
    async fn a_limit_of_zero_is_off() {
        let limiter = RateLimiter::new(Limits {
            per_address: 0,
            per_account: 1,
            per_api_key: 1,
        });
        let caller = Caller::Address("192.0.2.9".parse().unwrap());
        for _ in 0..1000 {
            assert_eq!(limiter.take(&caller, Instant::now()).await, Ok(()));
        }
    }

    #[test]
    fn bucket_keys_name_the_kind_of_caller() {
        assert_eq!(
            Caller::Address("192.0.2.1".parse().unwrap()).bucket_key(),
            "address:192.0.2.1"
        );
        assert_eq!(Caller::Account(42).bucket_key(), "account:42");
        assert_eq!(
            Caller::ApiKey([0xab; 16]).bucket_key(),
            format!("key:{}", "ab".repeat(16))
        );
    }
}
