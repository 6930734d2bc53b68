//! Operational metrics in Prometheus' text format (`GET /metrics`): requests and their latency
//! per route template and status (counted by the request middleware), and, read from the
//! database when scraped, the database pools, the outbox lag of each consumer, the usage
//! backlog, the webhook queue and its failures, the lead SLA queue and the search index lag.
//!
//! Not public by default: `/metrics` answers 404 unless `MERCATO_METRICS_TOKEN` is set (then it
//! wants that bearer token), and `MERCATO_METRICS_ADDR` serves it on a listener of its own (an
//! address only the monitoring network reaches).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use mercato_shared::api::leads::LeadStatus;
use mercato_shared::api::webhooks::{DeliveryStatus, EndpointStatus};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::db::Db;
use crate::search::SharedIndex;
use crate::store;

/// Request latencies in seconds, from 0.5 ms (cached reads) to 10 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// This node's metrics. The request counters live here; the rest is read when scraped.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool: IntGaugeVec,
    outbox_lag: IntGaugeVec,
    usage_backlog: IntGauge,
    webhook_deliveries: IntGaugeVec,
    webhook_due: IntGauge,
    webhook_endpoints_disabled: IntGauge,
    sla_queue: IntGaugeVec,
    search_lag: IntGauge,
    /// The last outbox entry this node's cache has applied (set by the cache's follower).
    pub cache_position: Arc<AtomicI64>,
}

fn gauge_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    let g = IntGaugeVec::new(Opts::new(name, help), labels).expect("a valid metric");
    registry
        .register(Box::new(g.clone()))
        .expect("registered once");
    g
}

fn gauge(registry: &Registry, name: &str, help: &str) -> IntGauge {
    let g = IntGauge::new(name, help).expect("a valid metric");
    registry
        .register(Box::new(g.clone()))
        .expect("registered once");
    g
}

impl Default for Metrics {
    fn default() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "mercato_http_requests_total",
                "HTTP requests answered, by method, route template and status",
            ),
            &["method", "route", "status"],
        )
        .expect("a valid metric");
        registry
            .register(Box::new(requests.clone()))
            .expect("registered once");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "mercato_http_request_duration_seconds",
                "Time to answer, by method, route template and status",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route", "status"],
        )
        .expect("a valid metric");
        registry
            .register(Box::new(latency.clone()))
            .expect("registered once");
        Metrics {
            pool: gauge_vec(
                &registry,
                "mercato_db_pool_connections",
                "Database pool connections, by pool (read, write) and state (open, idle)",
                &["pool", "state"],
            ),
            outbox_lag: gauge_vec(
                &registry,
                "mercato_outbox_lag_entries",
                "Outbox entries a consumer has not applied yet, by consumer",
                &["consumer"],
            ),
            usage_backlog: gauge(
                &registry,
                "mercato_usage_backlog_batches",
                "Acknowledged usage batches not yet folded into the roll-ups",
            ),
            webhook_deliveries: gauge_vec(
                &registry,
                "mercato_webhook_deliveries",
                "Webhook deliveries kept, by status (pending, delivered, failed)",
                &["status"],
            ),
            webhook_due: gauge(
                &registry,
                "mercato_webhook_deliveries_due",
                "Pending webhook deliveries whose attempt is due now",
            ),
            webhook_endpoints_disabled: gauge(
                &registry,
                "mercato_webhook_endpoints_disabled",
                "Webhook endpoints switched off after failing for a day",
            ),
            sla_queue: gauge_vec(
                &registry,
                "mercato_lead_sla_queue",
                "Routed leads waiting for their partner to accept, by state (waiting, overdue)",
                &["state"],
            ),
            search_lag: gauge(
                &registry,
                "mercato_search_index_lag_entries",
                "Outbox entries the search index has not applied yet",
            ),
            cache_position: Arc::new(AtomicI64::new(0)),
            registry,
            requests,
            latency,
        }
    }
}

impl Metrics {
    /// Counts one answered request (`route`: the matched template, e.g.
    /// `/api/v1/listings/{slug}`, so slugs do not become label values).
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency.with_label_values(&labels).observe(seconds);
    }

    /// The text exposition, with the database-derived gauges read now.
    pub async fn render(
        &self,
        db: &Db,
        search: &SharedIndex,
        now: DateTime<Utc>,
    ) -> anyhow::Result<String> {
        self.read_gauges(db, search, now).await?;
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        Ok(String::from_utf8(out)?)
    }

    async fn read_gauges(
        &self,
        pools: &Db,
        search: &SharedIndex,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        for (name, conn) in [("read", &pools.read), ("write", &pools.write)] {
            let (open, idle) = pool_use(conn);
            self.pool.with_label_values(&[name, "open"]).set(open);
            self.pool.with_label_values(&[name, "idle"]).set(idle);
        }
        let db = &pools.read;
        let latest = store::outbox::latest_id(db).await?;
        let cache = self.cache_position.load(Ordering::Relaxed);
        self.outbox_lag
            .with_label_values(&["public_cache"])
            .set((latest - cache).max(0));
        let checkpoint = scalar(
            db,
            "SELECT COALESCE(MAX(last_outbox_id), -1) FROM search_state WHERE identity = ?",
            vec![search.identity().into()],
        )
        .await?;
        let search_lag = if checkpoint < 0 {
            latest
        } else {
            (latest - checkpoint).max(0)
        };
        self.search_lag.set(search_lag);
        self.outbox_lag
            .with_label_values(&["search_index"])
            .set(search_lag);
        self.usage_backlog
            .set(scalar(db, "SELECT COUNT(*) FROM usage_pending", vec![]).await?);
        for status in DeliveryStatus::ALL {
            let n = scalar(
                db,
                "SELECT COUNT(*) FROM webhook_deliveries WHERE status = ?",
                vec![(*status).into()],
            )
            .await?;
            self.webhook_deliveries
                .with_label_values(&[status.as_str()])
                .set(n);
        }
        self.webhook_due.set(
            scalar(
                db,
                "SELECT COUNT(*) FROM webhook_deliveries WHERE status = ? AND next_attempt_at <= ?",
                vec![DeliveryStatus::Pending.into(), now.into()],
            )
            .await?,
        );
        self.webhook_endpoints_disabled.set(
            scalar(
                db,
                "SELECT COUNT(*) FROM webhook_endpoints WHERE status = ?",
                vec![EndpointStatus::Disabled.into()],
            )
            .await?,
        );
        let routed = scalar(
            db,
            "SELECT COUNT(*) FROM leads WHERE status = ?",
            vec![LeadStatus::Routed.into()],
        )
        .await?;
        let overdue = scalar(
            db,
            "SELECT COUNT(*) FROM leads WHERE status = ? AND sla_due_at <= ?",
            vec![LeadStatus::Routed.into(), now.into()],
        )
        .await?;
        self.sla_queue
            .with_label_values(&["waiting"])
            .set(routed - overdue);
        self.sla_queue.with_label_values(&["overdue"]).set(overdue);
        Ok(())
    }
}

/// Open and idle connections of a pool.
fn pool_use(conn: &DatabaseConnection) -> (i64, i64) {
    match conn {
        DatabaseConnection::SqlxSqlitePoolConnection(_) => {
            let pool = conn.get_sqlite_connection_pool();
            (i64::from(pool.size()), pool.num_idle() as i64)
        }
        DatabaseConnection::SqlxPostgresPoolConnection(_) => {
            let pool = conn.get_postgres_connection_pool();
            (i64::from(pool.size()), pool.num_idle() as i64)
        }
        _ => (0, 0),
    }
}

/// The one integer a `SELECT COUNT(*)`-like query answers (`?` placeholders).
async fn scalar(
    db: &DatabaseConnection,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> anyhow::Result<i64> {
    let backend = db.get_database_backend();
    let row = db
        .query_one(Statement::from_sql_and_values(
            backend,
            store::sql(backend, sql),
            values,
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get_by_index::<i64>(0)?,
        None => 0,
    })
}
