//! Request rate limits: every request counts against its client address, and, when it carries
//! one, against its account (a valid access token) or its API key. Each is a token bucket that
//! holds a minute's allowance and refills continuously, so bursts up to the allowance pass and
//! a steady rate above it is answered 429 `rate_limited` with `Retry-After` (whole seconds
//! until a request would pass). The middleware that applies them is
//! `http::middleware::rate_limit`.
//!
//! The buckets live in this process: with several instances behind a load balancer each
//! enforces its own share. Addresses are the client's as `http::client` tells it (the peer,
//! or what a trusted proxy forwarded).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::Instant;

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

pub struct RateLimiter {
    limits: Limits,
    shards: Vec<Mutex<HashMap<Caller, Bucket>>>,
}

impl RateLimiter {
    pub fn new(limits: Limits) -> RateLimiter {
        RateLimiter {
            limits,
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
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
    pub fn take(&self, caller: &Caller, now: Instant) -> Result<(), u64> {
        let allowance = self.allowance(caller);
        if allowance == 0 {
            return Ok(());
        }
        let capacity = f64::from(allowance);
        let per_second = capacity / 60.0;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        caller.hash(&mut hasher);
        let shard = &self.shards[hasher.finish() as usize % SHARDS];
        let mut buckets = shard.lock().unwrap_or_else(|e| e.into_inner());
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_allows_a_minutes_allowance_then_refills_steadily() {
        let limiter = RateLimiter::new(Limits {
            per_address: 60,
            per_account: 0,
            per_api_key: 6,
        });
        let caller = Caller::Address("192.0.2.1".parse().unwrap());
        let t0 = Instant::now();
        for _ in 0..60 {
            assert_eq!(limiter.take(&caller, t0), Ok(()));
        }
        // One per second comes back.
        assert_eq!(limiter.take(&caller, t0), Err(1));
        assert_eq!(
            limiter.take(&caller, t0 + Duration::from_millis(1000)),
            Ok(())
        );
        assert_eq!(
            limiter.take(&caller, t0 + Duration::from_millis(1000)),
            Err(1)
        );
        // Another caller has its own bucket.
        let other = Caller::Address("192.0.2.2".parse().unwrap());
        assert_eq!(limiter.take(&other, t0), Ok(()));
        // Six a minute: the wait after the burst is ten seconds.
        let key = Caller::ApiKey([7; 16]);
        for _ in 0..6 {
            assert_eq!(limiter.take(&key, t0), Ok(()));
        }
        assert_eq!(limiter.take(&key, t0), Err(10));
        // A limit of 0 is off.
        for _ in 0..1000 {
            assert_eq!(limiter.take(&Caller::Account(1), t0), Ok(()));
        }
    }
}
