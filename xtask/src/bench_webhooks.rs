//! `cargo xtask bench-webhooks`: webhook dispatch throughput against the release build.
//! `mercato seed-webhooks` queues `--deliveries` (20,000) lead-sized deliveries to a receiver
//! on this machine; `mercato serve` (private receivers allowed) sends them, signed, with its
//! dispatch workers. The receiver is a minimal keep-alive HTTP/1.1 server that answers 200 and
//! notes each `Mercato-Delivery` id: the rate is deliveries received per second, from the
//! first to the last, and every delivery must arrive exactly once.
//! `--postgres URL` runs it on a fresh PostgreSQL database made next to URL's database.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::bench_usage::start_server_with;
use crate::cli::Args;
use crate::e2e::{isolated, TempDir};
use crate::paths;
use crate::process::Cmd;

pub struct Options {
    deliveries: usize,
    workers: usize,
    postgres: Option<String>,
}

impl Options {
    pub fn parse(mut args: Args) -> Result<Self> {
        let deliveries = args.count("--deliveries", 20_000)?;
        let workers = args.count("--workers", 1)?;
        let postgres = args.value("--postgres")?;
        args.finish()?;
        Ok(Options {
            deliveries,
            workers,
            postgres,
        })
    }
}

/// What the receiver saw: arrival times and delivery ids.
#[derive(Default)]
struct Seen {
    first: Option<Instant>,
    last: Option<Instant>,
    requests: usize,
    ids: HashSet<String>,
}

pub fn run(options: &Options) -> Result<()> {
    let server_bin = paths::release_server()?;
    let temp = TempDir::new("mercato-bench-webhooks")?;
    let data_dir = temp.path().join("data");
    let database_url = match &options.postgres {
        None => None,
        Some(url) => {
            let name = format!("mercato_bench_webhooks_{}", std::process::id());
            Cmd::new("psql")
                .arg(url)
                .args(["-qc", &format!("CREATE DATABASE {name}")])
                .run()?;
            let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
            Some(format!("{base}/{name}"))
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0"))?;
    let receiver_url = format!("http://{}/hooks", listener.local_addr()?);
    rt.spawn(serve_receiver(listener, seen.clone()));

    let mut seed = isolated(Cmd::new(&server_bin))
        .arg("--data-dir")
        .arg(&data_dir)
        .args([
            "seed-webhooks",
            "--deliveries",
            &options.deliveries.to_string(),
            "--url",
            &receiver_url,
        ]);
    if let Some(url) = &database_url {
        seed = seed.env("DATABASE_URL", url);
    }
    seed.run()?;

    let log = temp.path().join("serve.log");
    let started = Instant::now();
    let workers = options.workers.to_string();
    let server = start_server_with(
        &server_bin,
        &data_dir,
        database_url.as_deref(),
        &log,
        &[
            ("MERCATO_WEBHOOKS_ALLOW_PRIVATE", "true"),
            ("MERCATO_WEBHOOK_WORKERS", &workers),
        ],
    )?;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let n = seen.lock().unwrap().ids.len();
        if n >= options.deliveries {
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "only {n} of {} deliveries arrived in 10 minutes",
                options.deliveries
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let wall = started.elapsed();
    // Anything sent twice would arrive now.
    std::thread::sleep(Duration::from_secs(2));
    drop(server);
    if let (Some(admin_url), Some(url)) = (&options.postgres, &database_url) {
        let name = url.rsplit('/').next().unwrap_or_default();
        Cmd::new("psql")
            .arg(admin_url)
            .args(["-qc", &format!("DROP DATABASE IF EXISTS {name}")])
            .run()?;
    }
    let seen = seen.lock().unwrap();
    let span = seen
        .last
        .zip(seen.first)
        .map(|(l, f)| l - f)
        .unwrap_or_default()
        .as_secs_f64();
    let db = if options.postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("\n== Mercato webhook dispatch benchmark (release build, {db}) ==");
    println!(
        "{} deliveries, {} dispatch worker(s), receiver on this machine: {:.0} deliveries/s (first to last arrival, {span:.2} s); {:.2} s from server start   target >= 1000/s",
        options.deliveries,
        options.workers,
        (seen.ids.len().saturating_sub(1)) as f64 / span.max(f64::EPSILON),
        wall.as_secs_f64(),
    );
    println!(
        "requests received {}, distinct deliveries {}: {}",
        seen.requests,
        seen.ids.len(),
        if seen.requests == seen.ids.len() {
            "none twice"
        } else {
            "DUPLICATES"
        }
    );
    if seen.requests != seen.ids.len() {
        bail!("some deliveries arrived twice");
    }
    Ok(())
}

async fn serve_receiver(listener: TcpListener, seen: Arc<Mutex<Seen>>) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(connection(stream, seen.clone()));
    }
}

/// Reads HTTP/1.1 requests off one keep-alive connection, answering each 200.
async fn connection(mut stream: TcpStream, seen: Arc<Mutex<Seen>>) -> Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    loop {
        // Headers.
        let head_end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i + 4;
            }
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let header = |name: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
        };
        let length: usize = header("content-length:")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let delivery = header("mercato-delivery:").unwrap_or_default();
        while buf.len() < head_end + length {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        buf.drain(..head_end + length);
        {
            let mut s = seen.lock().unwrap();
            let now = Instant::now();
            s.first.get_or_insert(now);
            s.last = Some(now);
            s.requests += 1;
            s.ids.insert(delivery);
        }
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            .await?;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
