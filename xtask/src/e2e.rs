//! The end-to-end step of `cargo xtask test`: builds the web app and the server, starts the
//! server on a fresh data directory and a free port, waits until `/readyz` answers 200, runs
//! `node --test` on `e2e/tests/*.test.mjs` against it, and stops the server whatever happened.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};

use crate::build_web;
use crate::paths;
use crate::process::{Cmd, KillOnDrop};
use crate::test::API_TEST_PACKAGES;

const READY_TIMEOUT: Duration = Duration::from_secs(60);
const LOG_TAIL_LINES: usize = 200;

/// How to build the server binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerBuild {
    /// `cargo build -p mercato`: the least to compile when nothing else was built.
    Alone,
    /// With the package selection and targets of the API test run, so that cargo's feature
    /// unification matches it and the binary it already built is reused (`-p mercato` alone
    /// unifies features differently and recompiles sqlx, sea-orm and the backend).
    LikeTheTests,
}

/// Variables that would point the server away from its fresh data directory.
const FOREIGN_ENV: [&str; 4] = [
    "DATABASE_URL",
    "MERCATO_CONFIG",
    "MEILISEARCH_URL",
    "MEILISEARCH_API_KEY",
];

const E2E_ADMIN_EMAIL: &str = "e2e-admin@mercato.test";

pub fn run(chromium: &Path, dev_web: bool, server_build: ServerBuild) -> Result<()> {
    build_web::run(&build_web::Options {
        dev: dev_web,
        ..Default::default()
    })?;
    let build = match server_build {
        ServerBuild::Alone => Cmd::cargo().args(["build", "-p", "mercato", "--bin", "mercato"]),
        ServerBuild::LikeTheTests => Cmd::cargo()
            .args(["build", "--bins", "--tests"])
            .args(API_TEST_PACKAGES),
    };
    build.run().context("building the server")?;
    let server = paths::server_binary("debug");

    let temp = TempDir::new("mercato-e2e")?;
    let data_dir = temp.path().join("data");
    seed_demo(&server, &data_dir)?;
    // A marketplace admin the tests sign in as, to check what the API recorded.
    let admin_password = format!(
        "e2e-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
    );
    isolated(Cmd::new(&server))
        .arg("--data-dir")
        .arg(&data_dir)
        .args([
            "create-admin",
            "--email",
            E2E_ADMIN_EMAIL,
            "--password",
            &admin_password,
        ])
        .run()
        .context("creating the e2e admin")?;

    // A real OpenID Connect provider for the single sign-on tests, on a loopback port.
    let provider = SsoProvider::start()?;

    let addr = free_local_addr()?;
    let log_path = temp.path().join("server.log");
    let log = File::create(&log_path).context("creating the server log")?;
    let child = isolated(Cmd::new(&server))
        .arg("--data-dir")
        .arg(&data_dir)
        .args(["serve", "--addr", &addr.to_string()])
        .env("MERCATO_WEB_DIR", paths::web_dist_dir())
        .env("NO_COLOR", "1")
        .env("MERCATO_OIDC_ISSUER", &provider.issuer)
        .env("MERCATO_OIDC_CLIENT_ID", "mercato-e2e")
        .env("MERCATO_OIDC_CLIENT_SECRET", "mercato-e2e-secret")
        .env("MERCATO_OIDC_NAME", "Corp ID")
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?;
    // Dropped (the server killed) before `temp` on every path out of this function.
    let mut server = KillOnDrop(child);
    println!(
        "server log: {} (its tail is printed if the step fails)",
        log_path.display()
    );

    if let Err(error) = wait_until_ready(&mut server.0, addr) {
        print_log_tail(&log_path);
        return Err(error);
    }

    let base_url = format!("http://{addr}");
    let result = Cmd::new("node")
        .arg("--test")
        .args(test_files()?)
        .env("MERCATO_BASE_URL", &base_url)
        .env("MERCATO_E2E_ADMIN_EMAIL", E2E_ADMIN_EMAIL)
        .env("MERCATO_E2E_ADMIN_PASSWORD", &admin_password)
        .env("CHROMIUM_PATH", chromium)
        .current_dir(paths::e2e_dir())
        .run();
    drop(server);
    drop(provider);
    if result.is_err() {
        print_log_tail(&log_path);
    }
    result.context("the end-to-end tests failed")
}

/// `e2e/sso-provider.mjs` (oauth2-mock-server): stopped when dropped.
pub(crate) struct SsoProvider {
    child: std::process::Child,
    pub(crate) issuer: String,
}

impl SsoProvider {
    pub(crate) fn start() -> Result<SsoProvider> {
        use std::io::BufRead;
        let mut child = std::process::Command::new("node")
            .arg(paths::e2e_dir().join("sso-provider.mjs"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .context("starting the OpenID Connect provider (node e2e/sso-provider.mjs)")?;
        let mut line = String::new();
        let stdout = child.stdout.as_mut().context("the provider's output")?;
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        let started: serde_json::Value = serde_json::from_str(&line)
            .with_context(|| format!("the provider printed {line:?}"))?;
        let issuer = started["issuer"]
            .as_str()
            .context("the provider's issuer")?
            .to_string();
        Ok(SsoProvider { child, issuer })
    }
}

impl Drop for SsoProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Seeds the demo marketplace into a fresh data directory, on the embedded database.
pub(crate) fn seed_demo(server: &Path, data_dir: &Path) -> Result<()> {
    isolated(Cmd::new(server))
        .arg("--data-dir")
        .arg(data_dir)
        .arg("seed-demo")
        .run()
        .context("seeding the demo data")
}

/// The server on its own embedded database and search index (SQLite and tantivy under the
/// data directory), whatever the environment says: the suite must not write into a shared
/// PostgreSQL database.
pub(crate) fn isolated(cmd: Cmd) -> Cmd {
    FOREIGN_ENV.into_iter().fold(cmd, Cmd::env_remove)
}

/// `e2e/tests/*.test.mjs`, relative to `e2e/`, sorted (explicit, so that `node --test` behaves
/// the same on every Node version).
fn test_files() -> Result<Vec<PathBuf>> {
    let dir = paths::e2e_dir().join("tests");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .filter_map(|p| p.strip_prefix(paths::e2e_dir()).ok().map(PathBuf::from))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no *.test.mjs files in {}", dir.display());
    }
    Ok(files)
}

/// A loopback address with a port nobody listens on right now.
pub(crate) fn free_local_addr() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?)
}

pub(crate) fn wait_until_ready(server: &mut Child, addr: SocketAddr) -> Result<()> {
    let started = Instant::now();
    println!("waiting for http://{addr}/readyz …");
    loop {
        if let Some(status) = server.try_wait()? {
            bail!("the server exited ({status}) before it was ready");
        }
        match http_status(addr, "/readyz") {
            Some(200) => {
                println!("server ready after {:.1?}", started.elapsed());
                return Ok(());
            }
            _ if started.elapsed() > READY_TIMEOUT => {
                bail!(
                    "the server did not answer 200 on /readyz within {}s",
                    READY_TIMEOUT.as_secs()
                )
            }
            _ => thread::sleep(Duration::from_millis(200)),
        }
    }
}

/// The status code of a plain `GET`, or `None` if there was no HTTP answer.
fn http_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).ok()?;
    parse_status_line(&head[..n])
}

fn parse_status_line(head: &[u8]) -> Option<u16> {
    let line = std::str::from_utf8(head).ok()?.lines().next()?;
    let mut parts = line.split_whitespace();
    parts.next().filter(|v| v.starts_with("HTTP/"))?;
    parts.next()?.parse().ok()
}

pub(crate) fn print_log_tail(log: &Path) {
    let Ok(text) = fs::read_to_string(log) else {
        return;
    };
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(LOG_TAIL_LINES);
    eprintln!(
        "\n--- server log ({}, last {} lines) ---",
        log.display(),
        lines.len() - from
    );
    for line in &lines[from..] {
        eprintln!("{line}");
    }
    eprintln!("--- end of server log ---");
}

/// A fresh directory under the system's temp dir, removed when dropped.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(prefix: &str) -> Result<Self> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(TempDir(dir))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_status_line() {
        assert_eq!(parse_status_line(b"HTTP/1.1 200 OK\r\nx: y"), Some(200));
        assert_eq!(
            parse_status_line(b"HTTP/1.1 503 Service Unavailable"),
            Some(503)
        );
        assert_eq!(parse_status_line(b"SSH-2.0-OpenSSH"), None);
        assert_eq!(parse_status_line(b""), None);
    }

    #[test]
    fn a_free_port_is_on_loopback() {
        let addr = free_local_addr().unwrap();
        assert!(addr.ip().is_loopback());
        assert_ne!(addr.port(), 0);
        assert_eq!(http_status(addr, "/"), None);
    }

    #[test]
    fn a_server_that_exits_is_not_waited_for() {
        let child = Cmd::new("true").spawn().unwrap();
        let mut server = KillOnDrop(child);
        let error = wait_until_ready(&mut server.0, free_local_addr().unwrap()).unwrap_err();
        assert!(error.to_string().contains("exited"), "{error}");
    }

    #[test]
    fn temp_dirs_are_removed_when_dropped() {
        let dir = TempDir::new("xtask-test").unwrap();
        let path = dir.path().to_path_buf();
        assert!(path.is_dir());
        drop(dir);
        assert!(!path.exists());
    }
}
