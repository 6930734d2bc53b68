//! `cargo xtask cluster [--dev] [--addr ADDR] [--nodes N]`: Mercato scaled out on this machine —
//! PostgreSQL (Debian's, started when it is not running), N `mercato serve` nodes (2) on one
//! database, and nginx in front of them (Debian's, installed when missing, configured from
//! `deploy/nginx.conf.template`). With `MEILISEARCH_URL` set the nodes share that search index;
//! otherwise each keeps its own tantivy index, fed from the outbox. Prints the URL and serves
//! until Ctrl-C.
//!
//! The nodes' data directories are `data/cluster/node-N`; the first node's generated secrets
//! (JWT secret, webhook sealing key) are copied to the others, as every node of a cluster must
//! hold the same ones (a node with others is refused at start).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::cli::Args;
use crate::e2e::{free_local_addr, wait_until_ready};
use crate::paths;
use crate::process::{Cmd, KillOnDrop};
use crate::tools;

const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// The database the cluster uses next to the one `DATABASE_URL` (or the local server) names.
const DATABASE: &str = "mercato_cluster";

#[derive(Debug)]
pub struct Options {
    pub dev: bool,
    pub addr: String,
    pub nodes: usize,
}

impl Options {
    pub fn parse(mut args: Args) -> Result<Self> {
        let dev = args.flag("--dev");
        let addr = args.value("--addr")?.unwrap_or_else(|| DEFAULT_ADDR.into());
        let nodes = args.count("--nodes", 2)?;
        args.finish()?;
        if nodes == 0 {
            bail!("--nodes must be at least 1");
        }
        Ok(Options { dev, addr, nodes })
    }
}

pub fn run(options: &Options) -> Result<()> {
    let nginx = tools::ensure_nginx()?;
    let admin_url = tools::ensure_postgres()?;
    let database_url = ensure_database(&admin_url, DATABASE)?;

    let server = crate::run::build_app(options.dev)?;

    let root = paths::repo_root();
    let cluster_dir = root.join("data").join("cluster");
    let node_dirs: Vec<PathBuf> = (1..=options.nodes)
        .map(|n| cluster_dir.join(format!("node-{n}")))
        .collect();
    for dir in &node_dirs {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let node = |dir: &Path| {
        Cmd::new(&server)
            .arg("--data-dir")
            .arg(dir)
            .env("DATABASE_URL", &database_url)
            .env("MERCATO_WEB_DIR", paths::web_dist_dir())
            // The nodes believe the balancer (and only it) about the client's address.
            .env("MERCATO_TRUSTED_PROXIES", "127.0.0.1/32")
            .current_dir(&root)
    };
    node(&node_dirs[0])
        .arg("seed-demo")
        .run()
        .context("seeding the demo data")?;

    let mut running = Vec::new();
    let mut ports = Vec::new();
    for (i, dir) in node_dirs.iter().enumerate() {
        if i > 0 {
            share_secrets(&node_dirs[0], dir)?;
        }
        let addr = free_local_addr()?;
        let log = std::fs::File::create(dir.join("serve.log"))?;
        let mut child = node(dir)
            .args(["serve", "--addr", &addr.to_string()])
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        wait_until_ready(&mut child, addr).with_context(|| {
            format!("node {} (log: {})", i + 1, dir.join("serve.log").display())
        })?;
        running.push(KillOnDrop(child));
        ports.push(addr.port());
    }

    let nginx_dir = cluster_dir.join("nginx");
    std::fs::create_dir_all(&nginx_dir)?;
    let config = nginx_dir.join("nginx.conf");
    std::fs::write(&config, nginx_config(&nginx_dir, &options.addr, &ports)?)?;
    let mut balancer = KillOnDrop(
        Cmd::new(&nginx)
            .arg("-p")
            .arg(&nginx_dir)
            .arg("-e")
            .arg(nginx_dir.join("error.log"))
            .arg("-c")
            .arg(&config)
            .args(["-g", "daemon off;"])
            .spawn()?,
    );
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if let Some(status) = balancer.0.try_wait()? {
            bail!(
                "nginx stopped ({status}); see {}",
                nginx_dir.join("error.log").display()
            );
        }
        if std::net::TcpStream::connect(&options.addr).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    println!(
        "\nServing Mercato on http://{} : nginx in front of {} nodes ({}) on PostgreSQL database `{DATABASE}`{}.\n\
         Node logs: {}/node-*/serve.log. Ctrl-C stops it all.\n",
        options.addr,
        options.nodes,
        ports
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(", "),
        match std::env::var("MEILISEARCH_URL") {
            Ok(url) if !url.is_empty() => format!(", search on Meilisearch at {url}"),
            _ => ", each node with its own tantivy index".into(),
        },
        cluster_dir.display(),
    );
    let status = balancer.0.wait()?;
    drop(running);
    if !status.success() {
        bail!("nginx stopped ({status})");
    }
    Ok(())
}

/// `deploy/nginx.conf.template` for a balancer listening on `listen` in front of `ports`.
pub fn nginx_config(prefix: &Path, listen: &str, ports: &[u16]) -> Result<String> {
    let template_path = paths::repo_root().join("deploy/nginx.conf.template");
    let template = std::fs::read_to_string(&template_path)
        .with_context(|| format!("reading {}", template_path.display()))?;
    let servers: Vec<String> = ports
        .iter()
        .map(|p| format!("        server 127.0.0.1:{p} max_fails=1 fail_timeout=1s;"))
        .collect();
    Ok(template
        .replace("{{PREFIX}}", &prefix.display().to_string())
        .replace("{{LISTEN}}", listen)
        .replace("{{UPSTREAMS}}", &servers.join("\n")))
}

/// Copies the first node's generated secrets to another node's data directory (once).
fn share_secrets(first: &Path, other: &Path) -> Result<()> {
    let from = first.join("secrets");
    let to = other.join("secrets");
    std::fs::create_dir_all(&to)?;
    for entry in std::fs::read_dir(&from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if !target.exists() {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// `name` on the server `admin_url` names, created when missing; its URL.
fn ensure_database(admin_url: &str, name: &str) -> Result<String> {
    let exists = Cmd::new("psql")
        .arg(admin_url)
        .args([
            "-Atc",
            &format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
        ])
        .read()?;
    if exists.trim() != "1" {
        Cmd::new("psql")
            .arg(admin_url)
            .args(["-qc", &format!("CREATE DATABASE {name}")])
            .run()?;
    }
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url, |(base, _)| base);
    Ok(format!("{base}/{name}"))
}
