//! `cargo xtask bench-leads`: routing and storing a lead end to end against the release build,
//! with `--partners` services partners (1,000) in the routing rules and `--open-leads` open
//! leads (100,000) in the database (`mercato seed-load`). Every lead asks for implementation
//! help without a category, so every partner is a candidate: the heaviest routing there is.
//! `--postgres URL` runs it on a fresh PostgreSQL database made next to URL's database.

use std::time::Instant;

use anyhow::Result;
use serde_json::json;

use crate::bench_usage::{percentile, start_server_with};
use crate::cli::Args;
use crate::e2e::{isolated, TempDir};
use crate::paths;
use crate::process::Cmd;

pub struct Options {
    partners: usize,
    open_leads: usize,
    requests: usize,
    postgres: Option<String>,
}

impl Options {
    pub fn parse(mut args: Args) -> Result<Self> {
        let partners = args.count("--partners", 1_000)?;
        let open_leads = args.count("--open-leads", 100_000)?;
        let requests = args.count("--requests", 2_000)?;
        let postgres = args.value("--postgres")?;
        args.finish()?;
        Ok(Options {
            partners,
            open_leads,
            requests,
            postgres,
        })
    }
}

pub fn run(options: &Options) -> Result<()> {
    let server_bin = paths::release_server()?;
    let temp = TempDir::new("mercato-bench-leads")?;
    let data_dir = temp.path().join("data");
    let database_url = match &options.postgres {
        None => None,
        Some(url) => {
            let name = format!("mercato_bench_leads_{}", std::process::id());
            Cmd::new("psql")
                .arg(url)
                .args(["-qc", &format!("CREATE DATABASE {name}")])
                .run()?;
            let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
            Some(format!("{base}/{name}"))
        }
    };
    let mut seed = isolated(Cmd::new(&server_bin))
        .arg("--data-dir")
        .arg(&data_dir)
        .args([
            "seed-load",
            "--partners",
            &options.partners.to_string(),
            "--open-leads",
            &options.open_leads.to_string(),
        ]);
    if let Some(url) = &database_url {
        seed = seed.env("DATABASE_URL", url);
    }
    let started = Instant::now();
    seed.run()?;
    let seed_secs = started.elapsed().as_secs_f64();

    let log = temp.path().join("serve.log");
    let server = start_server_with(
        &server_bin,
        &data_dir,
        database_url.as_deref(),
        &log,
        &[("MERCATO_LEADS_PER_ADDRESS_PER_HOUR", "100000000")],
    )?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let client = reqwest::Client::new();
    let base = server.base.clone();
    let mut times = rt.block_on(async {
        let mut times = Vec::with_capacity(options.requests);
        for i in 0..options.requests {
            let body = json!({
                "kind": "implementation_help", "contact_name": "Bench", "email": format!("bench{i}@leads.example"),
                "company_name": "Bench Co", "company_domain": "bench.example",
                "message": "Help us set this up", "consent": true,
            });
            let t = Instant::now();
            let res = client
                .post(format!("{base}/api/v1/leads"))
                .json(&body)
                .send()
                .await?;
            let status = res.status();
            let text = res.text().await?;
            times.push(t.elapsed());
            if !status.is_success() || !text.contains("\"routed\"") {
                anyhow::bail!("lead {i}: {status} {text}");
            }
        }
        anyhow::Ok(times)
    })?;
    drop(server);
    if let (Some(admin_url), Some(url)) = (&options.postgres, &database_url) {
        let name = url.rsplit('/').next().unwrap_or_default();
        Cmd::new("psql")
            .arg(admin_url)
            .args(["-qc", &format!("DROP DATABASE IF EXISTS {name}")])
            .run()?;
    }
    times.sort();
    let db = if options.postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("\n== Mercato lead routing benchmark (release build, {db}) ==");
    println!(
        "seeded {} partners and {} open leads in {seed_secs:.1} s",
        options.partners, options.open_leads
    );
    println!(
        "POST /api/v1/leads (implementation help, every partner a candidate), {} requests on one connection: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms   target p99 <= 20 ms",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        percentile(&times, 1.0)
    );
    Ok(())
}
