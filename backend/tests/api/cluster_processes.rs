//! Two `mercato serve` processes on one PostgreSQL database behind Debian's nginx, the way a
//! cluster runs: background work is done once across the nodes, a node killed with SIGKILL in
//! the middle of it loses nothing acknowledged, and the survivor's caches and search index
//! converge. The default nextest profile leaves these tests out (they need PostgreSQL and
//! nginx); `cargo xtask test` runs them on PostgreSQL with the `cluster` profile:
//!
//! ```text
//! MERCATO_TEST_DB=postgres DATABASE_URL=postgres://… cargo nextest run -p mercato --profile cluster
//! ```

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::helpers::{fresh_postgres_database, on_postgres, PgDatabase, JWT_SECRET};
use crate::receiver::Receiver;

const NGINX: &str = "/usr/sbin/nginx";
const PASSWORD: &str = "cluster-password-1";
const PARTNER: &str = "cluster-co";
const LISTING: &str = "cluster-sync";
/// Every node of a cluster holds the same webhook sealing key (base64 of 32 bytes).
const WEBHOOK_KEY: &str = "Q2x1c3Rlci10ZXN0cy13ZWJob29rLWtleS0zMi1ieXQ=";

/// One `mercato serve` process with a data directory of its own.
struct Node {
    port: u16,
    child: Option<Child>,
    dir: TempDir,
}

impl Node {
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// nginx in front of the nodes, configured from `deploy/nginx.conf.template`.
struct Balancer {
    port: u16,
    child: Child,
    _dir: TempDir,
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Cluster {
    nodes: Vec<Node>,
    balancer: Balancer,
    client: reqwest::Client,
    sql: DatabaseConnection,
    /// Environment every node and command gets (beyond its data directory).
    env: Vec<(String, String)>,
    /// Dropped (the database with it) when the cluster is.
    _pg: PgDatabase,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The template with its placeholders filled in.
fn nginx_config(prefix: &Path, listen: u16, upstreams: &[u16]) -> String {
    let servers: String = upstreams
        .iter()
        .map(|p| format!("        server 127.0.0.1:{p} max_fails=1 fail_timeout=1s;\n"))
        .collect();
    include_str!("../../../deploy/nginx.conf.template")
        .replace("{{PREFIX}}", &prefix.display().to_string())
        .replace("{{LISTEN}}", &format!("127.0.0.1:{listen}"))
        .replace("{{UPSTREAMS}}", servers.trim_end())
}

impl Cluster {
    /// A fresh PostgreSQL database, two nodes on it (the first migrates it) and nginx.
    async fn start(extra_env: &[(&str, &str)]) -> Cluster {
        assert!(
            on_postgres(),
            "the cluster tests run on PostgreSQL (MERCATO_TEST_DB=postgres, DATABASE_URL)"
        );
        assert!(
            Path::new(NGINX).is_file(),
            "the cluster tests need nginx (`cargo xtask test` installs Debian's nginx-light)"
        );
        let pg = fresh_postgres_database()
            .await
            .expect("a PostgreSQL database");
        let mut env: Vec<(String, String)> = [
            ("DATABASE_URL", pg.url().as_str()),
            ("MERCATO_JWT_SECRET", JWT_SECRET),
            ("MERCATO_WEBHOOK_KEY", WEBHOOK_KEY),
            ("MERCATO_TRUSTED_PROXIES", "127.0.0.1/32"),
            ("MERCATO_OUTBOUND_ALLOW_PRIVATE", "true"),
            ("MERCATO_RATE_LIMIT_PER_ADDRESS", "0"),
            ("MERCATO_RATE_LIMIT_PER_ACCOUNT", "0"),
            ("MERCATO_RATE_LIMIT_PER_API_KEY", "0"),
            ("MERCATO_LEADS_PER_ADDRESS_PER_HOUR", "0"),
            ("MERCATO_WORKERS", "1"),
            ("MERCATO_DB_POOL_SIZE", "6"),
            // A killed node's claimed deliveries are taken over after seconds, not minutes — but
            // still well after the slowest round of a live node ends: 4 waves of 250 ms
            // requests, slowed down on a loaded 2-core machine.
            ("MERCATO_TEST_WEBHOOK_LEASE_SECS", "15"),
            ("RUST_LOG", "warn"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        env.extend(
            extra_env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let sql = sea_orm::Database::connect(pg.url())
            .await
            .expect("connect to the cluster's database");
        let mut nodes = Vec::new();
        for _ in 0..2 {
            let node = Node {
                port: free_port(),
                child: None,
                dir: tempfile::tempdir().expect("temp dir"),
            };
            nodes.push(node);
        }
        let balancer_dir = tempfile::tempdir().expect("temp dir");
        let balancer_port = free_port();
        let config = balancer_dir.path().join("nginx.conf");
        let ports: Vec<u16> = nodes.iter().map(|n| n.port).collect();
        std::fs::write(
            &config,
            nginx_config(balancer_dir.path(), balancer_port, &ports),
        )
        .expect("writing nginx.conf");
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(balancer_dir.path())
            .arg("-e")
            .arg(balancer_dir.path().join("error.log"))
            .arg("-c")
            .arg(&config)
            // One process: SIGKILL at the end of the test leaves no worker behind.
            .args(["-g", "daemon off; master_process off;"])
            .stdin(Stdio::null())
            .spawn()
            .expect("starting nginx");
        let mut cluster = Cluster {
            nodes,
            balancer: Balancer {
                port: balancer_port,
                child,
                _dir: balancer_dir,
            },
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            sql,
            env,
            _pg: pg,
        };
        // One at a time: the first applies the migrations.
        for i in 0..cluster.nodes.len() {
            cluster.start_node(i).await;
        }
        if let Ok(Some(status)) = cluster.balancer.child.try_wait() {
            panic!("nginx exited ({status}); see its message above");
        }
        cluster.wait_until_ok(&cluster.url("/healthz")).await;
        cluster
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.balancer.port)
    }

    /// `mercato ARGS` with the cluster's database and keys, in `data_dir`.
    fn mercato(&self, data_dir: &Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mercato"));
        cmd.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("MERCATO_DATA_DIR", data_dir)
            .env("MERCATO_WEB_DIR", data_dir.join("web"))
            .stdin(Stdio::null());
        cmd
    }

    /// Runs a `mercato` command to completion (in the first node's data directory).
    fn run(&self, args: &[&str]) -> String {
        let out = self
            .mercato(self.nodes[0].dir.path())
            .args(args)
            .output()
            .expect("running mercato");
        assert!(
            out.status.success(),
            "mercato {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    async fn start_node(&mut self, i: usize) {
        let node = &self.nodes[i];
        let log = std::fs::File::create(node.dir.path().join("serve.log")).expect("log file");
        let child = self
            .mercato(node.dir.path())
            .args(["serve", "--addr", &format!("127.0.0.1:{}", node.port)])
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("starting mercato serve");
        self.nodes[i].child = Some(child);
        let health = self.nodes[i].url("/healthz");
        self.wait_until_ok(&health).await;
    }

    async fn wait_until_ok(&self, url: &str) {
        for _ in 0..600 {
            if let Ok(res) = self.client.get(url).send().await {
                if res.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "{url} did not answer within a minute; logs: {}",
            self.logs()
        );
    }

    /// SIGKILL: the node gets no chance to finish or clean up anything.
    fn kill(&mut self, i: usize) {
        let mut child = self.nodes[i].child.take().expect("a running node");
        child.kill().expect("SIGKILL");
        child.wait().expect("reaping the node");
    }

    fn logs(&self) -> String {
        self.nodes
            .iter()
            .map(|n| std::fs::read_to_string(n.dir.path().join("serve.log")).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n---\n")
    }

    async fn scalar(&self, sql: &str) -> i64 {
        let row = self
            .sql
            .query_one(Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                sql,
            ))
            .await
            .expect("query")
            .expect("a row");
        row.try_get_by_index::<Option<i64>>(0)
            .expect("an integer")
            .unwrap_or(0)
    }

    /// Waits (a minute at most) until the count `sql` asks for is 0; fails saying `what`.
    async fn until_no_rows(&self, sql: &str, what: &str) {
        let done = until(Duration::from_secs(60), || async {
            self.scalar(sql).await == 0
        })
        .await;
        assert!(done.is_some(), "{what}; logs: {}", self.logs());
    }

    async fn execute(&self, sql: &str) {
        self.sql.execute_unprepared(sql).await.expect("statement");
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Value {
        let mut req = self.client.request(method.clone(), self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request through the balancer");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// A partner (owner signed in) with one published listing, `workspaces` workspaces of a
    /// customer and a usage API key: (owner token, workspace ids, API key).
    async fn usage_world(&self, workspaces: usize) -> (String, Vec<i64>, String) {
        self.run(&[
            "create-admin",
            "--email",
            "admin@cluster.example",
            "--password",
            PASSWORD,
        ]);
        let owner = self
            .call(
                reqwest::Method::POST,
                "/api/v1/auth/register",
                None,
                Some(json!({
                "email": "owner@cluster.example", "password": PASSWORD, "display_name": "Owner"})),
            )
            .await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        self.call(
            reqwest::Method::POST,
            "/api/v1/partners",
            Some(&owner),
            Some(json!({
            "slug": PARTNER, "name": "Cluster Co", "website": "https://cluster.example"})),
        )
        .await;
        let admin = self
            .call(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({
                "email": "admin@cluster.example", "password": PASSWORD})),
            )
            .await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        self.call(
            reqwest::Method::POST,
            &format!("/api/v1/partners/{PARTNER}/approve"),
            Some(&admin),
            None,
        )
        .await;
        let file = self.nodes[0].dir.path().join("listings.jsonl");
        std::fs::write(
            &file,
            json!({"slug": LISTING, "name": "Cluster Sync", "tagline": "Keeps clusters in sync",
                   "description": "Synchronises records between nodes.", "partner": PARTNER,
                   "monthly_installs": 10})
            .to_string(),
        )
        .unwrap();
        self.run(&["import", &file.display().to_string()]);
        let mut ids = Vec::new();
        for i in 0..workspaces {
            ids.push(
                self.call(
                    reqwest::Method::POST,
                    "/api/v1/workspaces",
                    Some(&owner),
                    Some(json!({"name": format!("Customer {i}")})),
                )
                .await["id"]
                    .as_i64()
                    .unwrap(),
            );
        }
        let key = self
            .call(
                reqwest::Method::POST,
                &format!("/api/v1/partners/{PARTNER}/api-keys"),
                Some(&owner),
                Some(json!({"name": "cluster"})),
            )
            .await["secret"]
            .as_str()
            .unwrap()
            .to_string();
        (owner, ids, key)
    }
}

/// Polls `done` every 50 ms for at most `limit`; how long it took, or `None`.
async fn until<F, Fut>(limit: Duration, mut done: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < limit {
        if done().await {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

const EVENTS_PER_BATCH: usize = 100;

/// Usage batch `i`: `EVENTS_PER_BATCH` events of the listing, spread over the workspaces.
fn usage_batch(i: usize, workspaces: &[i64]) -> String {
    let at = chrono::Utc::now() - chrono::Duration::minutes(1);
    let events: Vec<Value> = (0..EVENTS_PER_BATCH)
        .map(|j| {
            json!({"workspace": workspaces[(i * 7 + j) % workspaces.len()], "listing": LISTING,
                   "occurred_at": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)})
        })
        .collect();
    json!({ "events": events }).to_string()
}

/// Sends batches `0..batches` through the balancer from `clients` concurrent clients, each
/// batch until it is acknowledged (a node killed under a request answers 502 or nothing: the
/// client sends it again with the same Idempotency-Key, as a real integration would).
async fn send_usage(
    client: reqwest::Client,
    url: String,
    key: String,
    workspaces: Vec<i64>,
    batches: usize,
    clients: usize,
    acked: Arc<AtomicUsize>,
) -> usize {
    let next = Arc::new(AtomicUsize::new(0));
    let retries = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, url, key, workspaces) =
            (client.clone(), url.clone(), key.clone(), workspaces.clone());
        let (next, acked, retries) = (next.clone(), acked.clone(), retries.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= batches {
                    return;
                }
                let body = usage_batch(i, &workspaces);
                loop {
                    let res = client
                        .post(&url)
                        .bearer_auth(&key)
                        .header("content-type", "application/json")
                        .header("idempotency-key", format!("cluster-batch-{i}"))
                        .body(body.clone())
                        .send()
                        .await;
                    match res {
                        Ok(r) if r.status().is_success() => {
                            let receipt: Value = r.json().await.expect("a receipt");
                            assert_eq!(receipt["accepted"], EVENTS_PER_BATCH, "{receipt}");
                            acked.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                        Ok(r) if r.status().is_server_error() => {}
                        Ok(r) => panic!("batch {i}: {}", r.status()),
                        Err(_) => {}
                    }
                    retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("a usage client");
    }
    retries.load(Ordering::Relaxed)
}

/// SIGKILL in the middle of usage folding, SLA sweeps and webhook dispatch at once: every
/// acknowledged usage batch is counted exactly once, every overdue lead is re-routed exactly
/// once, every webhook reaches the receiver (again only if the killed node had it in flight,
/// with the same Mercato-Event-Id the receiver deduplicates by).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_work_loses_nothing_and_nothing_happens_twice() {
    let receiver = Receiver::start().await;
    // Slow enough that dispatch is still under way when the node dies.
    *receiver.state.delay.lock().unwrap() = Duration::from_millis(250);
    let mut cluster = Cluster::start(&[]).await;
    let (_owner, workspaces, key) = cluster.usage_world(20).await;

    // Leads: routed among services partners, every SLA already overdue.
    const LEADS: i64 = 5000;
    println!(
        "{}",
        cluster.run(&[
            "seed-load",
            "--partners",
            "30",
            "--open-leads",
            &LEADS.to_string()
        ])
    );
    cluster
        .execute(
            "UPDATE leads SET sla_due_at = now() - interval '1 minute' WHERE status = 'routed'",
        )
        .await;
    // Webhooks: deliveries due now, to the receiver.
    const DELIVERIES: usize = 4000;
    println!(
        "{}",
        cluster.run(&[
            "seed-webhooks",
            "--deliveries",
            &DELIVERIES.to_string(),
            "--url",
            &receiver.url
        ])
    );

    // Usage: 3,000 batches of 100 events from 8 clients while everything else runs.
    const BATCHES: usize = 3000;
    let acked = Arc::new(AtomicUsize::new(0));
    let sender = tokio::spawn(send_usage(
        cluster.client.clone(),
        cluster.url("/api/v1/usage"),
        key.clone(),
        workspaces.clone(),
        BATCHES,
        8,
        acked.clone(),
    ));

    // Kill the first node once every kind of work is under way and none is finished (the
    // SLA sweep looks for overdue leads every 5 s: that one starts last).
    let breached = "SELECT count(*) FROM lead_routes WHERE outcome = 'breached'";
    let started = until(Duration::from_secs(60), || async {
        let rerouted = cluster.scalar(breached).await;
        let delivered = receiver.seen().len();
        let batches = acked.load(Ordering::Relaxed);
        rerouted >= 100 && delivered >= 100 && batches >= 50
    })
    .await;
    assert!(
        started.is_some(),
        "the work did not start; logs: {}",
        cluster.logs()
    );
    let (rerouted_at_kill, delivered_at_kill, acked_at_kill) = (
        cluster.scalar(breached).await,
        receiver.seen().len(),
        acked.load(Ordering::Relaxed),
    );
    cluster.kill(0);
    println!(
        "SIGKILL of node 1 with {rerouted_at_kill}/{LEADS} leads re-routed, {delivered_at_kill}/{DELIVERIES} webhooks received, {acked_at_kill}/{BATCHES} usage batches acknowledged"
    );
    assert!(
        rerouted_at_kill < LEADS && delivered_at_kill < DELIVERIES && acked_at_kill < BATCHES,
        "the kill came after some work had finished: the test proves nothing"
    );

    let retries = sender.await.expect("the usage senders");
    assert_eq!(acked.load(Ordering::Relaxed), BATCHES);

    // Usage: folded once (pending drained), totals exact.
    cluster
        .until_no_rows("SELECT count(*) FROM usage_pending", "usage was not folded")
        .await;
    let counted = cluster
        .scalar("SELECT sum(events)::bigint FROM usage_daily")
        .await;
    assert_eq!(
        counted,
        (BATCHES * EVENTS_PER_BATCH) as i64,
        "every acknowledged event counted once"
    );

    // Leads: every overdue one re-routed exactly once.
    cluster
        .until_no_rows(
            "SELECT count(*) FROM leads WHERE status = 'routed' AND sla_due_at <= now()",
            "the SLA sweep did not finish",
        )
        .await;
    assert_eq!(cluster.scalar(breached).await, LEADS, "one breach per lead");
    assert_eq!(
        cluster
            .scalar("SELECT count(*) FROM (SELECT lead_id FROM lead_routes GROUP BY lead_id HAVING count(*) <> 2) x")
            .await,
        0,
        "every lead has its first route and exactly one re-route"
    );

    // Webhooks: all delivered; a repeat only of what the killed node had in flight.
    cluster
        .until_no_rows(
            "SELECT count(*) FROM webhook_deliveries WHERE status <> 'delivered'",
            "deliveries left",
        )
        .await;
    let mut per_event: HashMap<String, usize> = HashMap::new();
    for seen in receiver.seen() {
        *per_event.entry(seen.event_id).or_default() += 1;
    }
    assert_eq!(
        per_event.len(),
        DELIVERIES,
        "every event reached the receiver"
    );
    let repeated: usize = per_event.values().map(|n| n - 1).sum();
    println!(
        "after SIGKILL: usage {counted} events counted of {} acknowledged ({retries} requests retried by clients); leads re-routed {LEADS} of {LEADS} once each; webhooks {} distinct of {DELIVERIES}, {repeated} sent again after the kill (in flight on the killed node)",
        BATCHES * EVENTS_PER_BATCH,
        per_event.len()
    );
    assert!(
        repeated <= 64 + 16,
        "only what the killed node had in flight (its concurrency, 64) or answered but not yet recorded (one chunk of 16) may arrive twice: {repeated}"
    );
}

/// Re-imports the listing under a new name (a bulk import while the cluster serves: one
/// outbox entry every node follows).
fn rename_listing(cluster: &Cluster, name: &str) {
    let file = cluster.nodes[1].dir.path().join("rename.jsonl");
    std::fs::write(
        &file,
        json!({"slug": LISTING, "name": name, "tagline": "Keeps clusters in sync",
               "description": "Synchronises records between nodes.", "partner": PARTNER,
               "monthly_installs": 10})
        .to_string(),
    )
    .unwrap();
    cluster.run(&["import", &file.display().to_string()]);
}

/// Whether the node at `base` answers the listing with `name` and finds it searching `word`.
async fn node_shows(client: &reqwest::Client, base: &str, name: &str, word: &str) -> bool {
    let Ok(res) = client
        .get(format!("{base}/api/v1/listings/{LISTING}"))
        .send()
        .await
    else {
        return false;
    };
    let Ok(listing) = res.json::<Value>().await else {
        return false;
    };
    if listing["name"] != name {
        return false;
    }
    let Ok(res) = client
        .get(format!("{base}/api/v1/search?q={word}"))
        .send()
        .await
    else {
        return false;
    };
    let Ok(found) = res.json::<Value>().await else {
        return false;
    };
    crate::helpers::hit_slugs(&found).contains(&LISTING.to_string())
}

/// A change reaches both nodes' caches and search indexes; with one node killed right after a
/// change the survivor converges, and the killed node, restarted, catches up too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caches_and_search_indexes_converge_on_every_node_after_a_change_and_a_kill() {
    let mut cluster = Cluster::start(&[]).await;
    cluster.usage_world(1).await;
    let bases: Vec<String> = cluster.nodes.iter().map(|n| n.url("")).collect();
    let client = cluster.client.clone();
    // Both nodes have the listing cached and indexed.
    for base in &bases {
        let shown = until(Duration::from_secs(20), || {
            node_shows(&client, base, "Cluster Sync", "sync")
        })
        .await;
        assert!(
            shown.is_some(),
            "{base} never showed the listing; logs: {}",
            cluster.logs()
        );
    }

    rename_listing(&cluster, "Cluster Harmony");
    let mut took = Vec::new();
    for base in &bases {
        let converged = until(Duration::from_secs(10), || {
            node_shows(&client, base, "Cluster Harmony", "harmony")
        })
        .await;
        took.push(
            converged
                .unwrap_or_else(|| panic!("{base} kept the old listing; logs: {}", cluster.logs())),
        );
    }

    // A change, and the first node dies before it can have applied it.
    rename_listing(&cluster, "Cluster Concord");
    cluster.kill(0);
    let survivor = until(Duration::from_secs(10), || {
        node_shows(&client, &bases[1], "Cluster Concord", "concord")
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "the survivor kept the old listing; logs: {}",
            cluster.logs()
        )
    });
    // Through the balancer too (it skips the dead node).
    let balanced = node_shows(&client, &cluster.url(""), "Cluster Concord", "concord").await;
    assert!(balanced, "the balancer answered from a stale or dead node");
    let restarted_at = Instant::now();
    cluster.start_node(0).await;
    let restarted = until(Duration::from_secs(20), || {
        node_shows(&client, &bases[0], "Cluster Concord", "concord")
    })
    .await
    .unwrap_or_else(|| panic!("the restarted node stayed behind; logs: {}", cluster.logs()));
    println!(
        "converged: both nodes after a change in {:.0} ms and {:.0} ms; the survivor of a SIGKILL in {:.0} ms; the killed node, restarted, {:.0} ms after the restart (start included: {:.0} ms)",
        took[0].as_secs_f64() * 1e3,
        took[1].as_secs_f64() * 1e3,
        survivor.as_secs_f64() * 1e3,
        restarted.as_secs_f64() * 1e3,
        restarted_at.elapsed().as_secs_f64() * 1e3,
    );
}

/// Behind the balancer (which the nodes trust to name the client), one client address gets
/// the configured allowance from the cluster as a whole, not from each node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_balanced_cluster_lets_one_client_through_at_most_110_percent_of_its_limit() {
    const ALLOWANCE: usize = 120;
    let cluster = Cluster::start(&[("MERCATO_RATE_LIMIT_PER_ADDRESS", "120")]).await;
    let passed = Arc::new(AtomicUsize::new(0));
    let limited = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (client, url) = (cluster.client.clone(), cluster.url("/api/v1/categories"));
        let (passed, limited) = (passed.clone(), limited.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..(ALLOWANCE * 4 / 8) {
                let res = client.get(&url).send().await.expect("through the balancer");
                match res.status() {
                    StatusCode::OK => passed.fetch_add(1, Ordering::Relaxed),
                    StatusCode::TOO_MANY_REQUESTS => limited.fetch_add(1, Ordering::Relaxed),
                    other => panic!("unexpected {other}"),
                };
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let (passed, limited) = (
        passed.load(Ordering::Relaxed),
        limited.load(Ordering::Relaxed),
    );
    println!(
        "rate limit {ALLOWANCE}/min per address, 2 nodes behind nginx: {passed} passed ({:.1} % of the limit), {limited} refused with 429",
        passed as f64 * 100.0 / ALLOWANCE as f64
    );
    assert!(passed <= ALLOWANCE * 11 / 10, "{passed} passed");
    assert!(passed >= ALLOWANCE * 9 / 10, "{passed} passed");
    assert!(limited > 0);
}
