//! The workers that send queued deliveries. A worker claims a batch of due rows by giving them
//! a lease (one UPDATE; `FOR UPDATE SKIP LOCKED` on PostgreSQL), so two workers — in one
//! process or many — never send the same delivery; it POSTs them concurrently, then records
//! every outcome in one transaction, only for rows it still holds the lease of.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use mercato_shared::api::webhooks::{DeliveryStatus, EndpointStatus, NoticeKind};
use reqwest::header::CONTENT_TYPE;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, Set,
    Statement, TransactionTrait,
};

use super::secrets::SecretBox;
use super::{signature, WAKE};
use crate::clock::Clock;
use crate::db::Db;
use crate::entities::{
    partner_notices, webhook_attempts as attempts, webhook_deliveries as deliveries,
    webhook_endpoints as endpoints,
};
use crate::error::ApiResult;
use crate::outbound;

/// How long the log keeps delivered and failed deliveries.
pub const KEEP_FINISHED: chrono::Duration = chrono::Duration::days(30);
/// A delivery is retried for this long after it was queued.
pub const RETRY_WINDOW: chrono::Duration = chrono::Duration::hours(24);
/// The first retry waits this long; each next one twice as long, up to [`MAX_BACKOFF_SECS`].
const FIRST_BACKOFF_SECS: i64 = 30;
const MAX_BACKOFF_SECS: i64 = 4 * 3600;
/// An endpoint is switched off once it has failed this long without a success…
const DISABLE_AFTER: chrono::Duration = chrono::Duration::hours(24);
/// …and at least this many times in a row (a quiet endpoint is not judged on two attempts).
const DISABLE_AFTER_FAILURES: i32 = 10;
/// How long a claim holds a delivery. A delivery's outcome is recorded once its request ends,
/// possibly after ⌈BATCH / CONCURRENCY⌉ waves of the round's requests, so the claim must outlast
/// the slowest round — ⌈BATCH / CONCURRENCY⌉ waves of requests
/// that each time out — or another node would take deliveries this one is still sending and
/// send them again (a unit test keeps it at least twice that).
const LEASE: chrono::Duration = chrono::Duration::minutes(2);

/// The claim's length: [`LEASE`], or for the tests that kill a node mid-dispatch (and must see
/// its deliveries taken over without waiting two minutes) `MERCATO_TEST_WEBHOOK_LEASE_SECS`.
fn lease_length() -> chrono::Duration {
    static LEASE_SECS: std::sync::OnceLock<Option<i64>> = std::sync::OnceLock::new();
    LEASE_SECS
        .get_or_init(|| {
            std::env::var("MERCATO_TEST_WEBHOOK_LEASE_SECS")
                .ok()
                .and_then(|v| v.parse().ok())
        })
        .map_or(LEASE, chrono::Duration::seconds)
}
const BATCH: i64 = 200;
const CONCURRENCY: usize = 64;
/// Most outcomes recorded in one statement (fewer when fewer are ready).
const RECORD_CHUNK: usize = 16;
const POLL: Duration = Duration::from_millis(500);
const EXCERPT_BYTES: usize = 1024;
const ERROR_CHARS: usize = 500;

pub struct Dispatcher {
    pub db: Db,
    pub clock: Clock,
    pub client: reqwest::Client,
    pub allow_private: bool,
    pub secrets: Arc<SecretBox>,
}

/// What one attempt came to.
struct Outcome {
    at: DateTime<Utc>,
    status_code: Option<i32>,
    latency_ms: i32,
    error: Option<String>,
    excerpt: Option<String>,
}

impl Outcome {
    fn delivered(&self) -> bool {
        self.error.is_none()
    }
}

impl Dispatcher {
    pub fn new(db: Db, clock: Clock, allow_private: bool, secrets: Arc<SecretBox>) -> Dispatcher {
        Dispatcher {
            db,
            clock,
            client: outbound::client(allow_private, "Mercato-Webhooks/1"),
            allow_private,
            secrets,
        }
    }

    /// Runs until the process ends.
    pub async fn run(self) {
        loop {
            match self.round().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "dispatching webhooks failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = WAKE.notified() => {}
                _ = self.clock.moved() => {}
            }
        }
    }

    /// Claims a batch of due deliveries, sends them and records the outcomes; returns how
    /// many were sent.
    pub async fn round(&self) -> ApiResult<usize> {
        let lease = uuid::Uuid::new_v4().simple().to_string();
        let claimed = claim(&self.db, &lease, self.clock.now()).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let ids: HashSet<i64> = claimed.iter().map(|d| d.endpoint_id).collect();
        let targets: HashMap<i64, endpoints::Model> = endpoints::Entity::find()
            .filter(endpoints::Column::Id.is_in(ids))
            .all(&self.db.read)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        let n = claimed.len();
        // Outcomes are recorded as they come, a few at a time, not when the round ends: a node
        // that dies mid-round then leaves only its requests in flight to be sent again.
        let mut outcomes = futures_util::stream::iter(claimed)
            .map(|d| {
                let target = targets.get(&d.endpoint_id);
                async move {
                    let outcome = self.send(target, &d).await;
                    (d, outcome)
                }
            })
            .buffer_unordered(CONCURRENCY)
            .ready_chunks(RECORD_CHUNK);
        while let Some(chunk) = outcomes.next().await {
            record(&self.db, &lease, chunk).await?;
        }
        Ok(n)
    }

    async fn send(&self, target: Option<&endpoints::Model>, d: &deliveries::Model) -> Outcome {
        let at = self.clock.now();
        let started = Instant::now();
        let failed = |error: String| Outcome {
            at,
            status_code: None,
            latency_ms: 0,
            error: Some(error),
            excerpt: None,
        };
        let Some(target) = target else {
            return failed("the endpoint was removed".into());
        };
        let secret = match self.secrets.open(&target.secret_sealed) {
            Ok(s) => s,
            Err(e) => return failed(format!("{e:#}")),
        };
        if let Err(e) = outbound::check_literal(&target.url, self.allow_private) {
            return failed(e.to_string());
        }
        // The signature's time is the real time, which receivers compare with their clocks.
        // Receivers check the signature time against their own clocks: the wall clock.
        let signed_at = crate::clock::wall_now().timestamp();
        let response = self
            .client
            .post(&target.url)
            .header(CONTENT_TYPE, "application/json")
            .header("Mercato-Event", d.event_type.as_str())
            .header("Mercato-Event-Id", &d.event_id)
            .header("Mercato-Delivery", d.id.to_string())
            .header(
                signature::HEADER,
                signature::sign(&secret, signed_at, d.payload.as_bytes()),
            )
            .body(d.payload.clone())
            .send()
            .await;
        let mut outcome = match response {
            Ok(mut res) => {
                let status = res.status();
                let mut body = Vec::new();
                while body.len() < EXCERPT_BYTES {
                    match res.chunk().await {
                        Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                        _ => break,
                    }
                }
                body.truncate(EXCERPT_BYTES);
                Outcome {
                    at,
                    status_code: Some(i32::from(status.as_u16())),
                    latency_ms: 0,
                    error: (!status.is_success()).then(|| format!("HTTP {}", status.as_u16())),
                    excerpt: (!body.is_empty())
                        .then(|| String::from_utf8_lossy(&body).into_owned()),
                }
            }
            Err(e) => failed(describe(&e)),
        };
        outcome.latency_ms = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
        outcome
    }
}

/// An error with its causes ("error sending request: … is not a public address").
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text.chars().take(ERROR_CHARS).collect()
}

/// Leases up to [`BATCH`] due deliveries of active endpoints to `lease`.
async fn claim(db: &Db, lease: &str, now: DateTime<Utc>) -> ApiResult<Vec<deliveries::Model>> {
    let backend = db.backend();
    let lock = if backend == DatabaseBackend::Postgres {
        " FOR UPDATE OF d SKIP LOCKED"
    } else {
        ""
    };
    let template = format!(
        "UPDATE webhook_deliveries SET lease_owner = ?, lease_until = ? WHERE id IN (\
           SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
           WHERE d.status = 'pending' AND d.next_attempt_at <= ? \
           AND (d.lease_until IS NULL OR d.lease_until < ?) AND e.status = 'active' \
           ORDER BY d.next_attempt_at LIMIT ?{lock}) \
         AND status = 'pending' AND (lease_until IS NULL OR lease_until < ?) RETURNING id"
    );
    let rows = db
        .write
        .query_all(Statement::from_sql_and_values(
            backend,
            crate::store::sql(backend, &template),
            [
                lease.into(),
                (now + lease_length()).into(),
                now.into(),
                now.into(),
                BATCH.into(),
                now.into(),
            ],
        ))
        .await?;
    let ids = rows
        .iter()
        .map(|r| r.try_get::<i64>("", "id"))
        .collect::<Result<Vec<_>, _>>()?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(deliveries::Entity::find()
        .filter(deliveries::Column::Id.is_in(ids))
        .all(&db.write)
        .await?)
}

/// When a delivery that failed at `at` is tried again, or `None` once its window is over.
pub fn next_attempt(d: &deliveries::Model, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let failures = d.attempts + 1;
    let exp = FIRST_BACKOFF_SECS.saturating_mul(1i64 << (failures - 1).clamp(0, 20));
    let base = exp.min(MAX_BACKOFF_SECS);
    // Up to 10% more, different per delivery, so retries of a burst do not arrive together.
    let jitter = base * (d.id.rem_euclid(11)) / 100;
    let next = at + chrono::Duration::seconds(base + jitter);
    let deadline = d.created_at + RETRY_WINDOW;
    if next <= deadline {
        Some(next)
    } else if at < deadline {
        Some(deadline)
    } else {
        None
    }
}

#[derive(Default)]
struct EndpointTally {
    delivered: bool,
    failures: i32,
    first_failure: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

/// Records a batch's outcomes: attempts, delivery states, endpoint health (and switches off
/// endpoints that fail persistently, with a notice to the partner).
async fn record(
    db: &Db,
    lease: &str,
    outcomes: Vec<(deliveries::Model, Outcome)>,
) -> ApiResult<()> {
    let txn = db.write.begin().await?;
    let mut tallies: HashMap<i64, EndpointTally> = HashMap::new();
    let mut log = Vec::with_capacity(outcomes.len());
    for (d, o) in &outcomes {
        log.push(attempts::ActiveModel {
            delivery_id: Set(d.id),
            at: Set(o.at),
            status_code: Set(o.status_code),
            latency_ms: Set(o.latency_ms),
            error: Set(o.error.clone()),
            response_excerpt: Set(o.excerpt.clone()),
            ..Default::default()
        });
        let mut update = deliveries::Entity::update_many()
            .col_expr(deliveries::Column::Attempts, Expr::value(d.attempts + 1))
            .col_expr(
                deliveries::Column::LastStatusCode,
                Expr::value(o.status_code),
            )
            .col_expr(deliveries::Column::LastError, Expr::value(o.error.clone()))
            .col_expr(deliveries::Column::LeaseOwner, Expr::value(None::<String>))
            .col_expr(
                deliveries::Column::LeaseUntil,
                Expr::value(None::<DateTime<Utc>>),
            );
        let tally = tallies.entry(d.endpoint_id).or_default();
        if o.delivered() {
            tally.delivered = true;
            update = update
                .col_expr(deliveries::Column::Status, Expr::value("delivered"))
                .col_expr(deliveries::Column::DeliveredAt, Expr::value(Some(o.at)));
        } else {
            tally.failures += 1;
            tally.first_failure = Some(tally.first_failure.map_or(o.at, |f| f.min(o.at)));
            tally.last_error = o.error.clone();
            update = match next_attempt(d, o.at) {
                Some(next) => update.col_expr(deliveries::Column::NextAttemptAt, Expr::value(next)),
                None => update.col_expr(deliveries::Column::Status, Expr::value("failed")),
            };
        }
        // A lease that ran out (the worker stalled) may have passed the row to another
        // worker: then that worker's outcome stands.
        update
            .filter(deliveries::Column::Id.eq(d.id))
            .filter(deliveries::Column::LeaseOwner.eq(lease))
            .exec(&txn)
            .await?;
    }
    attempts::Entity::insert_many(log).exec(&txn).await?;
    for (endpoint_id, tally) in tallies {
        health(
            &txn,
            endpoint_id,
            tally,
            outcomes.first().map_or_else(Utc::now, |(_, o)| o.at),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

async fn health(
    txn: &impl ConnectionTrait,
    endpoint_id: i64,
    tally: EndpointTally,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    let Some(endpoint) = endpoints::Entity::find_by_id(endpoint_id).one(txn).await? else {
        return Ok(());
    };
    let mut row: endpoints::ActiveModel = endpoint.clone().into();
    if tally.delivered {
        row.failing_since = Set(None);
        row.consecutive_failures = Set(0);
        row.last_success_at = Set(Some(at));
        row.update(txn).await?;
        return Ok(());
    }
    let failing_since = endpoint.failing_since.or(tally.first_failure).unwrap_or(at);
    let failures = endpoint.consecutive_failures + tally.failures;
    row.failing_since = Set(Some(failing_since));
    row.consecutive_failures = Set(failures);
    let persistent = failures >= DISABLE_AFTER_FAILURES && at - failing_since >= DISABLE_AFTER;
    if persistent && endpoint.status == EndpointStatus::Active {
        let reason = format!(
            "every delivery failed for more than 24 hours ({failures} attempts in a row); last error: {}",
            tally.last_error.as_deref().unwrap_or("unknown")
        );
        row.status = Set(EndpointStatus::Disabled);
        row.disabled_reason = Set(Some(reason.chars().take(ERROR_CHARS).collect()));
        row.disabled_at = Set(Some(at));
        partner_notices::ActiveModel {
            partner_id: Set(endpoint.partner_id),
            kind: Set(NoticeKind::WebhookDisabled),
            message: Set(format!(
                "The webhook endpoint {} was switched off: {reason}. Fix the receiver, then enable the endpoint again; deliveries held meanwhile resume.",
                endpoint.url
            )),
            endpoint_id: Set(Some(endpoint.id)),
            created_at: Set(at),
            read_at: Set(None),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        tracing::warn!(
            endpoint = endpoint.id,
            partner = endpoint.partner_id,
            "webhook endpoint disabled after persistent failure"
        );
    }
    row.update(txn).await?;
    Ok(())
}

/// Forgets finished deliveries (and their attempts) queued before `cutoff`.
pub async fn prune(db: &Db, cutoff: DateTime<Utc>) -> ApiResult<()> {
    let backend = db.backend();
    let txn = db.write.begin().await?;
    txn.execute(Statement::from_sql_and_values(
        backend,
        crate::store::sql(
            backend,
            "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries \
             WHERE status <> 'pending' AND created_at < ?)",
        ),
        [cutoff.into()],
    ))
    .await?;
    deliveries::Entity::delete_many()
        .filter(deliveries::Column::Status.ne(DeliveryStatus::Pending))
        .filter(deliveries::Column::CreatedAt.lt(cutoff))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_claim_outlasts_the_slowest_round_twice() {
        let waves = (BATCH as usize).div_ceil(CONCURRENCY) as i32;
        let slowest = chrono::Duration::from_std(crate::outbound::REQUEST_TIMEOUT).unwrap() * waves;
        assert!(LEASE >= slowest * 2, "{LEASE} < 2 × {slowest}");
    }

    use super::*;
    use mercato_shared::api::webhooks::{DeliveryStatus, WebhookEvent};

    fn delivery(id: i64, attempts: i32, created_at: DateTime<Utc>) -> deliveries::Model {
        deliveries::Model {
            id,
            endpoint_id: 1,
            event_type: WebhookEvent::LeadRouted,
            event_id: "e".into(),
            payload: "{}".into(),
            status: DeliveryStatus::Pending,
            attempts,
            next_attempt_at: created_at,
            lease_owner: None,
            lease_until: None,
            last_status_code: None,
            last_error: None,
            redelivery_of: None,
            created_at,
            delivered_at: None,
        }
    }

    #[test]
    fn back_off_doubles_up_to_four_hours_and_stops_after_a_day() {
        let start = Utc::now();
        // id 0: no jitter
        let d = delivery(0, 0, start);
        assert_eq!(
            next_attempt(&d, start),
            Some(start + chrono::Duration::seconds(30))
        );
        let d = delivery(0, 3, start);
        assert_eq!(
            next_attempt(&d, start),
            Some(start + chrono::Duration::seconds(240))
        );
        let d = delivery(0, 15, start);
        assert_eq!(
            next_attempt(&d, start),
            Some(start + chrono::Duration::hours(4))
        );
        // The last retry lands on the deadline; after it, none.
        let late = start + chrono::Duration::hours(23);
        assert_eq!(next_attempt(&d, late), Some(start + RETRY_WINDOW));
        assert_eq!(next_attempt(&d, start + RETRY_WINDOW), None);
        // Jitter adds at most 10%.
        let d = delivery(10, 0, start);
        assert_eq!(
            next_attempt(&d, start),
            Some(start + chrono::Duration::seconds(33))
        );
    }

    #[test]
    fn a_day_of_failures_takes_about_fifteen_attempts() {
        let start = Utc::now();
        let mut d = delivery(0, 0, start);
        let mut at = start;
        while let Some(next) = next_attempt(&d, at) {
            d.attempts += 1;
            at = next;
        }
        assert!((12..=20).contains(&(d.attempts + 1)), "{}", d.attempts);
        assert!(d.attempts + 1 >= DISABLE_AFTER_FAILURES);
    }
}
