//! `cargo xtask bench-usage`: usage ingestion and analytics speed against the release build.
//!
//! 1. A partner with `--listings` imported listings, `--workspaces` workspaces (through the
//!    API), and an API key.
//! 2. Ingestion: `--events` usage events (default 10 million) over a year, ~5 integrations per
//!    workspace, in batches of 1,000 with an `Idempotency-Key` each, from `--connections`
//!    concurrent clients: events per second.
//! 3. Durability: batches sent while the server is killed with SIGKILL; after a restart every
//!    batch that got a 2xx is sent again and must come back as already counted (`replayed`).
//! 4. Queries on the loaded data: a listing's MAU by month over 12 months (p50/p99), and the
//!    adoption ranking.
//! 5. Retention: `mercato keep-history --retention-months 14` as of three months on, timed (on
//!    PostgreSQL it drops whole monthly partitions).
//!
//! `--postgres URL` runs it on a fresh PostgreSQL database made next to URL's database.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use serde_json::{json, Value};

use crate::cli::Args;
use crate::e2e::{free_local_addr, isolated, print_log_tail, wait_until_ready, TempDir};
use crate::paths;
use crate::process::{Cmd, KillOnDrop};

pub struct Options {
    events: usize,
    workspaces: usize,
    listings: usize,
    connections: usize,
    postgres: Option<String>,
}

impl Options {
    pub fn parse(mut args: Args) -> Result<Self> {
        let events = args.count("--events", 10_000_000)?;
        let workspaces = args.count("--workspaces", 50_000)?;
        let listings = args.count("--listings", 1_000)?;
        let connections = args.count("--connections", 8)?;
        let postgres = args.value("--postgres")?;
        args.finish()?;
        Ok(Options {
            events,
            workspaces,
            listings,
            connections,
            postgres,
        })
    }
}

const BATCH: usize = 1000;
const PARTNER: &str = "benchco";
const PASSWORD: &str = "bench-password-1234";

/// A deterministic hash (splitmix64) to derive events from their index.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

struct World {
    workspaces: Vec<i64>,
    listings: Vec<String>,
    now: chrono::DateTime<chrono::Utc>,
}

impl World {
    /// The body of batch `i` of `batches`: events `i*1000 ..` — each of a (workspace, listing)
    /// pair (about five listings per workspace). Batches go through the last 365 days in time
    /// order, as a year of usage would arrive.
    fn batch(&self, i: usize, batches: usize) -> String {
        let pairs = (self.workspaces.len() * 5) as u64;
        let mut out = String::with_capacity(BATCH * 110);
        out.push_str("{\"events\":[");
        for j in 0..BATCH {
            let n = (i * BATCH + j) as u64;
            let pair = mix(n) % pairs;
            let workspace = self.workspaces[(pair / 5) as usize];
            let listing =
                &self.listings[(mix(pair ^ 0xABCD) % self.listings.len() as u64) as usize];
            let days_ago = 364 - (i.min(batches - 1) * 365 / batches) as i64;
            let second = (mix(n ^ 0x5678) % 86_000) as i64;
            let mut at = self.now - chrono::Duration::days(days_ago);
            at = at - chrono::Duration::seconds(second.min(at.timestamp() % 86_400));
            if j > 0 {
                out.push(',');
            }
            out.push_str(&format!(
                "{{\"workspace\":{workspace},\"listing\":\"{listing}\",\"occurred_at\":\"{}\"}}",
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ));
        }
        out.push_str("]}");
        out
    }
}

pub struct Server {
    pub guard: KillOnDrop,
    pub base: String,
}

/// Starts the release server on a free port (quiet logs, no search worker) and waits for it.
pub fn start_server(
    server: &Path,
    data_dir: &Path,
    database_url: Option<&str>,
    log: &Path,
) -> Result<Server> {
    start_server_with(server, data_dir, database_url, log, &[])
}

pub fn start_server_with(
    server: &Path,
    data_dir: &Path,
    database_url: Option<&str>,
    log: &Path,
    env: &[(&str, &str)],
) -> Result<Server> {
    let addr = free_local_addr()?;
    let log_file = File::create(log)?;
    let mut cmd = crate::bench::unthrottled(isolated(Cmd::new(server)))
        .arg("--data-dir")
        .arg(data_dir)
        .args(["serve", "--addr", &addr.to_string()])
        .env("MERCATO_LOG", "warn")
        .env("NO_COLOR", "1")
        .env("MERCATO_SEARCH_WORKER", "false")
        .stdout(log_file.try_clone()?)
        .stderr(log_file);
    if let Some(url) = database_url {
        cmd = cmd.env("DATABASE_URL", url);
    }
    for (key, value) in env {
        cmd = cmd.env(key, value);
    }
    let mut guard = KillOnDrop(cmd.spawn()?);
    if let Err(e) = wait_until_ready(&mut guard.0, addr) {
        print_log_tail(log);
        return Err(e);
    }
    Ok(Server {
        guard,
        base: format!("http://{addr}"),
    })
}

async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> Result<Value> {
    let mut req = client.request(method, &url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await?;
    let status = res.status();
    let text = res.text().await?;
    if !status.is_success() {
        bail!("{url} answered {status}: {text}");
    }
    Ok(if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)?
    })
}

pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

pub fn run(options: &Options) -> Result<()> {
    let server_bin = paths::release_server()?;
    let temp = TempDir::new("mercato-bench-usage")?;
    let data_dir = temp.path().join("data");
    let database_url = match &options.postgres {
        None => None,
        Some(url) => {
            let name = format!("mercato_bench_{}", std::process::id());
            Cmd::new("psql")
                .arg(url)
                .args(["-qc", &format!("CREATE DATABASE {name}")])
                .run()?;
            let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
            Some(format!("{base}/{name}"))
        }
    };
    let with_db = |cmd: Cmd| match &database_url {
        Some(url) => cmd.env("DATABASE_URL", url),
        None => cmd,
    };
    with_db(isolated(Cmd::new(&server_bin)))
        .arg("--data-dir")
        .arg(&data_dir)
        .args([
            "create-admin",
            "--email",
            "admin@bench.example",
            "--password",
            PASSWORD,
        ])
        .run()?;
    let log = temp.path().join("serve.log");
    let mut server = start_server(&server_bin, &data_dir, database_url.as_deref(), &log)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let base = server.base.clone();

    // 1. The world.
    let (partner_token, admin_token) = rt.block_on(async {
        let owner = call(&client, reqwest::Method::POST, format!("{base}/api/v1/auth/register"), None,
            Some(json!({"email": "owner@benchco.example", "password": PASSWORD, "display_name": "Owner"}))).await?;
        let token = owner["access_token"].as_str().unwrap_or_default().to_string();
        call(&client, reqwest::Method::POST, format!("{base}/api/v1/partners"), Some(&token),
            Some(json!({"slug": PARTNER, "name": "Bench Co", "website": "https://benchco.example"}))).await?;
        let admin = call(&client, reqwest::Method::POST, format!("{base}/api/v1/auth/login"), None,
            Some(json!({"email": "admin@bench.example", "password": PASSWORD}))).await?;
        let admin_token = admin["access_token"].as_str().unwrap_or_default().to_string();
        call(&client, reqwest::Method::POST, format!("{base}/api/v1/partners/{PARTNER}/approve"), Some(&admin_token), None).await?;
        anyhow::Ok((token, admin_token))
    })?;
    let listings: Vec<String> = (0..options.listings)
        .map(|i| format!("bench-listing-{i:04}"))
        .collect();
    let jsonl = temp.path().join("listings.jsonl");
    let mut f = File::create(&jsonl)?;
    for slug in &listings {
        writeln!(
            f,
            "{}",
            json!({"slug": slug, "name": slug, "tagline": "Benchmark listing", "description": "", "partner": PARTNER, "monthly_installs": 0})
        )?;
    }
    drop(f);
    with_db(isolated(Cmd::new(&server_bin)))
        .arg("--data-dir")
        .arg(&data_dir)
        .arg("import")
        .arg(&jsonl)
        .run()?;
    let started = Instant::now();
    let workspaces: Vec<i64> = rt.block_on(async {
        let next = Arc::new(AtomicUsize::new(0));
        let out = Arc::new(Mutex::new(vec![0i64; options.workspaces]));
        let mut tasks = Vec::new();
        for _ in 0..options.connections {
            let (client, base, token, next, out) = (
                client.clone(),
                base.clone(),
                partner_token.clone(),
                next.clone(),
                out.clone(),
            );
            let total = options.workspaces;
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return anyhow::Ok(());
                    }
                    let w = call(
                        &client,
                        reqwest::Method::POST,
                        format!("{base}/api/v1/workspaces"),
                        Some(&token),
                        Some(json!({"name": format!("Customer {i}")})),
                    )
                    .await?;
                    out.lock().unwrap()[i] = w["id"].as_i64().unwrap_or_default();
                }
            }));
        }
        for t in tasks {
            t.await??;
        }
        anyhow::Ok(
            Arc::try_unwrap(out)
                .map_err(|_| anyhow::anyhow!("still shared"))?
                .into_inner()
                .unwrap(),
        )
    })?;
    println!(
        "created {} workspaces in {:.1}s",
        workspaces.len(),
        started.elapsed().as_secs_f64()
    );
    let key = rt.block_on(call(
        &client,
        reqwest::Method::POST,
        format!("{base}/api/v1/partners/{PARTNER}/api-keys"),
        Some(&partner_token),
        Some(json!({"name": "bench"})),
    ))?["secret"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let world = Arc::new(World {
        workspaces,
        listings,
        now: chrono::Utc::now() - chrono::Duration::minutes(1),
    });

    // 2. Ingestion. The bodies are made beforehand so the load generator's own work does
    // not take CPU from the server while it is measured.
    let batches = options.events.div_ceil(BATCH);
    let bodies: Arc<Vec<String>> =
        Arc::new((0..batches).map(|i| world.batch(i, batches)).collect());
    let send = |first: usize, count: usize, base: String, acked: Arc<Mutex<Vec<usize>>>| {
        let (client, key, world, bodies) =
            (client.clone(), key.clone(), world.clone(), bodies.clone());
        let connections = options.connections;
        async move {
            let next = Arc::new(AtomicUsize::new(first));
            let mut tasks = Vec::new();
            for _ in 0..connections {
                let (client, key, world, bodies, next, base, acked) = (
                    client.clone(),
                    key.clone(),
                    world.clone(),
                    bodies.clone(),
                    next.clone(),
                    base.clone(),
                    acked.clone(),
                );
                tasks.push(tokio::spawn(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= first + count {
                            return anyhow::Ok(());
                        }
                        let res = client
                            .post(format!("{base}/api/v1/usage"))
                            .bearer_auth(&key)
                            .header("content-type", "application/json")
                            .header("idempotency-key", format!("batch-{i}"))
                            .body(match bodies.get(i) {
                                Some(body) => body.clone(),
                                None => world.batch(i, batches),
                            })
                            .send()
                            .await;
                        match res {
                            Ok(r) if r.status().is_success() => {
                                let body: Value = r.json().await?;
                                if body["accepted"].as_u64() != Some(BATCH as u64) {
                                    bail!("batch {i} was not fully accepted: {body}");
                                }
                                acked.lock().unwrap().push(i);
                            }
                            Ok(r) => bail!("batch {i}: {}", r.status()),
                            // The server went away (the durability run kills it).
                            Err(_) => return anyhow::Ok(()),
                        }
                    }
                }));
            }
            for t in tasks {
                t.await??;
            }
            anyhow::Ok(())
        }
    };
    let acked = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    rt.block_on(send(0, batches, base.clone(), acked.clone()))?;
    let ack_secs = started.elapsed().as_secs_f64();
    // Acknowledged is durable; counted is when the roll-ups hold it all.
    rt.block_on(async {
        loop {
            let status = call(
                &client,
                reqwest::Method::GET,
                format!("{base}/api/v1/admin/usage/status"),
                Some(&admin_token),
                None,
            )
            .await?;
            if status["pending_batches"] == 0 {
                return anyhow::Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })?;
    let ingest_secs = started.elapsed().as_secs_f64();
    let ingested = acked.lock().unwrap().len() * BATCH;
    let rate = ingested as f64 / ingest_secs;
    let ack_rate = ingested as f64 / ack_secs;

    // 4. Queries on the loaded data. On PostgreSQL, autovacuum starts on the freshly written
    // roll-ups right after a load this size and takes a core of the two for a while; the
    // queries are measured once it is done, as they would run in steady state.
    if let Some(url) = &database_url {
        let settled = Instant::now();
        let mut quiet_since = Instant::now();
        while settled.elapsed() < Duration::from_secs(300) {
            let running = Cmd::new("psql")
                .arg(url)
                .args(["-Atc", "SELECT count(*) FROM pg_stat_progress_vacuum"])
                .read()?;
            if running.trim() != "0" {
                quiet_since = Instant::now();
            } else if quiet_since.elapsed() >= Duration::from_secs(5) {
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        println!(
            "waited {:.1}s for autovacuum to finish",
            settled.elapsed().as_secs_f64()
        );
    }
    let (mau_p50, mau_p99, adoption_p50, adoption_max) = rt.block_on(async {
        let today = chrono::Utc::now().date_naive();
        let from = today - chrono::Days::new(364);
        let mut mau = Vec::new();
        for i in 0..200 {
            let slug = &world.listings[(mix(i as u64) % world.listings.len() as u64) as usize];
            let url = format!(
                "{base}/api/v1/analytics/listings/{slug}?from={from}&to={today}&interval=month"
            );
            let t = Instant::now();
            call(
                &client,
                reqwest::Method::GET,
                url,
                Some(&partner_token),
                None,
            )
            .await?;
            mau.push(t.elapsed());
        }
        mau.sort();
        let mut adoption = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            call(
                &client,
                reqwest::Method::GET,
                format!("{base}/api/v1/analytics/adoption"),
                Some(&admin_token),
                None,
            )
            .await?;
            adoption.push(t.elapsed());
        }
        adoption.sort();
        anyhow::Ok((
            percentile(&mau, 0.5),
            percentile(&mau, 0.99),
            percentile(&adoption, 0.5),
            percentile(&adoption, 1.0),
        ))
    })?;

    let total_rows = match &database_url {
        Some(url) => Cmd::new("psql")
            .arg(url)
            .args(["-Atc", "SELECT count(*) FROM usage_daily"])
            .read()?
            .trim()
            .to_string(),
        None => "(not counted on SQLite)".into(),
    };

    // 3. Durability: kill the server mid-load, restart, resend what was acknowledged.
    let kill_first = batches + 1_000_000;
    let kill_acked = Arc::new(Mutex::new(Vec::new()));
    let pid = server.guard.0.id();
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        // SAFETY: sending a signal to our own child.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
    });
    rt.block_on(send(kill_first, 2000, base.clone(), kill_acked.clone()))?;
    killer.join().ok();
    let _ = server.guard.0.wait();
    let acked_before_kill: Vec<usize> = kill_acked.lock().unwrap().clone();
    server = start_server(&server_bin, &data_dir, database_url.as_deref(), &log)?;
    let base2 = server.base.clone();
    let lost = rt.block_on(async {
        let mut lost = 0usize;
        for &i in &acked_before_kill {
            let body: Value = client
                .post(format!("{base2}/api/v1/usage"))
                .bearer_auth(&key)
                .header("content-type", "application/json")
                .header("idempotency-key", format!("batch-{i}"))
                .body(world.batch(i, batches))
                .send()
                .await?
                .json()
                .await?;
            if body["replayed"] != true {
                lost += 1;
            }
        }
        anyhow::Ok(lost)
    })?;
    drop(server);
    // 5. Retention: as if three months had passed, keep 14 — the oldest months go (whole
    // partitions on PostgreSQL, rows on SQLite), with the install baselines carried over.
    let three_months_on = chrono::Utc::now().date_naive() + chrono::Months::new(3);
    let kept = with_db(isolated(Cmd::new(&server_bin)))
        .arg("--data-dir")
        .arg(&data_dir)
        .args(["keep-history", "--retention-months", "14", "--as-of"])
        .arg(three_months_on.to_string())
        .read()?;
    if let (Some(admin_url), Some(url)) = (&options.postgres, &database_url) {
        let name = url.rsplit('/').next().unwrap_or_default();
        Cmd::new("psql")
            .arg(admin_url)
            .args(["-qc", &format!("DROP DATABASE IF EXISTS {name}")])
            .run()?;
    }

    let db = if options.postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("\n== Mercato usage benchmark (release build, {db}) ==");
    println!(
        "ingestion: {ingested} events in the roll-ups {ingest_secs:.1} s after the first was sent = {rate:.0} events/s ({} connections, batches of {BATCH})   target >= 100,000 events/s",
        options.connections
    );
    println!("           all acknowledged after {ack_secs:.1} s = {ack_rate:.0} events/s");
    println!(
        "durability: killed with SIGKILL after {} acknowledged batches; after restart {} of them were not counted   target: 0",
        acked_before_kill.len(),
        lost
    );
    println!(
        "MAU by month over 12 months for one listing (200 requests, {} listings, {} workspaces): p50 {mau_p50:.1} ms, p99 {mau_p99:.1} ms   target p99 <= 20 ms",
        options.listings,
        options.workspaces
    );
    println!("adoption ranking (20 requests): p50 {adoption_p50:.1} ms, max {adoption_max:.1} ms   target <= 200 ms");
    println!(
        "retention (keep 14 months, as of {three_months_on}): {}",
        kept.trim()
    );
    println!("stored: {total_rows} usage_daily rows from {ingested} events",);
    if lost > 0 {
        bail!("{lost} acknowledged batches were lost");
    }
    Ok(())
}
