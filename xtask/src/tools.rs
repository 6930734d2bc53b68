//! Installs or finds the tools the workflows need: the wasm32 target, Chromium, nginx, a running
//! PostgreSQL, the end-to-end tests' npm packages, and binaryen's `wasm-opt`.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::paths;
use crate::process::{which, Cmd};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// Adds the wasm32 target to the toolchain unless it is there already.
pub fn ensure_wasm_target() -> Result<()> {
    let sysroot = Cmd::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("--print")
        .arg("sysroot")
        .read()?;
    let target_lib = Path::new(sysroot.trim())
        .join("lib/rustlib")
        .join(WASM_TARGET);
    if target_lib.is_dir() {
        return Ok(());
    }
    println!("The {WASM_TARGET} target is missing; adding it.");
    if which("rustup").is_none() {
        bail!("the {WASM_TARGET} target is not installed and rustup is not on PATH to add it");
    }
    Cmd::new("rustup")
        .args(["target", "add", WASM_TARGET])
        .run()
}

/// The Chromium the end-to-end tests drive: `CHROMIUM_PATH`, or Debian's, installed with apt-get
/// when missing and we are root.
pub fn ensure_chromium() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM_PATH").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        if !path.is_file() {
            bail!(
                "CHROMIUM_PATH names {}, which does not exist",
                path.display()
            );
        }
        return Ok(path);
    }
    let chromium = PathBuf::from(DEFAULT_CHROMIUM);
    if chromium.is_file() {
        return Ok(chromium);
    }
    if !is_root() || which("apt-get").is_none() {
        bail!(
            "Chromium is not installed at {DEFAULT_CHROMIUM}; install it (Debian: `apt-get install \
             chromium`) or set CHROMIUM_PATH"
        );
    }
    println!("Chromium is missing; installing Debian's package.");
    apt_install("chromium")?;
    if !chromium.is_file() {
        bail!("apt-get installed chromium but {DEFAULT_CHROMIUM} is still missing");
    }
    Ok(chromium)
}

/// Debian's nginx, the load balancer of `cargo xtask cluster` and the cluster tests,
/// installed with apt-get when missing (as root). The package's own service is not started.
pub fn ensure_nginx() -> Result<PathBuf> {
    let nginx = PathBuf::from("/usr/sbin/nginx");
    if nginx.is_file() {
        return Ok(nginx);
    }
    if !is_root() || which("apt-get").is_none() {
        bail!("nginx is not installed; install it (Debian: `apt-get install nginx-light`)");
    }
    println!("nginx is missing; installing Debian's package.");
    apt_install("nginx-light")?;
    if !nginx.is_file() {
        bail!("apt-get installed nginx-light but /usr/sbin/nginx is still missing");
    }
    // The package starts its default server on port 80 where it can; the tests need none.
    let _ = std::process::Command::new("nginx")
        .args(["-s", "stop"])
        .output();
    Ok(nginx)
}

/// The PostgreSQL server to use: the one `DATABASE_URL` names, or Debian's local cluster
/// (started when it is not running, as `.ci/run` does); an administrative URL.
pub fn ensure_postgres() -> Result<String> {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        if url.starts_with("postgres") {
            return Ok(url);
        }
    }
    let ready = || {
        Cmd::new("pg_isready")
            .args(["-q", "-h", "127.0.0.1", "-p", "5432"])
            .read()
            .is_ok()
    };
    if !ready() {
        let Some(version) = fs::read_dir("/etc/postgresql").ok().and_then(|dirs| {
            dirs.filter_map(|d| d.ok()?.file_name().into_string().ok())
                .max()
        }) else {
            bail!("no PostgreSQL: set DATABASE_URL, or install Debian's postgresql package");
        };
        println!("PostgreSQL {version} is not running; starting it.");
        Cmd::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &version, "main", "start"])
            .run()?;
        for _ in 0..30 {
            if ready() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
        if !ready() {
            bail!("PostgreSQL {version} did not start");
        }
    }
    if is_root() {
        // The password the URL below carries (what `.ci/run` sets too).
        Cmd::new("runuser")
            .args(["-u", "postgres", "--", "psql", "-q", "-c"])
            .arg("ALTER USER postgres PASSWORD 'postgres'")
            .current_dir("/")
            .read()?;
    }
    Ok("postgres://postgres:postgres@127.0.0.1:5432/postgres".into())
}

/// Installs a Debian package with apt-get, running `apt-get update` first only when the plain
/// install fails (the package lists may be stale).
pub fn apt_install(package: &str) -> Result<()> {
    let install = || {
        Cmd::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", package])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .run()
    };
    if install().is_err() {
        println!("Retrying after `apt-get update`.");
        Cmd::new("apt-get")
            .args(["update"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .run()?;
        install()?;
    }
    Ok(())
}

/// The `wrk` load generator (Debian's package), installed when missing and we are root.
pub fn ensure_wrk() -> Result<PathBuf> {
    if let Some(path) = which("wrk") {
        return Ok(path);
    }
    if !is_root() || which("apt-get").is_none() {
        bail!("wrk is not installed; install it (Debian: `apt-get install wrk`)");
    }
    apt_install("wrk")?;
    which("wrk").ok_or_else(|| anyhow::anyhow!("apt-get installed wrk but it is not on PATH"))
}

fn is_root() -> bool {
    Cmd::new("id")
        .arg("-u")
        .read()
        .map(|uid| uid.trim() == "0")
        .unwrap_or(false)
}

/// Runs `npm ci` in `e2e/` when `node_modules` is missing or older than the lock file.
pub fn ensure_e2e_packages() -> Result<()> {
    let e2e = paths::e2e_dir();
    let lock = e2e.join("package-lock.json");
    // npm writes this file on every install; it is as new as the installed tree.
    let installed = e2e.join("node_modules/.package-lock.json");
    let stale = match (
        modified(&installed),
        modified(&lock),
        modified(&e2e.join("package.json")),
    ) {
        (Some(installed), Some(lock), Some(manifest)) => installed < lock || installed < manifest,
        _ => true,
    };
    if !stale {
        return Ok(());
    }
    if which("npm").is_none() {
        bail!("npm is not on PATH; the end-to-end tests need Node.js 20+ and npm");
    }
    Cmd::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&e2e)
        .run()
        .context("installing the end-to-end tests' packages")
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Binaryen's `wasm-opt`, if a usable one is installed: the e2e folder's npm package, or one
/// cached under `~/.cache/mercato/binaryen`. Never Debian's: its binaryen (108) is too old for
/// current Rust output and produces wasm that fails at run time.
pub fn find_wasm_opt() -> Option<PathBuf> {
    let mut candidates = vec![paths::e2e_dir().join("node_modules/.bin/wasm-opt")];
    if let Some(home) = std::env::var_os("HOME") {
        candidates
            .push(PathBuf::from(home).join(".cache/mercato/binaryen/node_modules/.bin/wasm-opt"));
    }
    candidates.into_iter().find(|c| c.is_file())
}

/// binaryen's major version from `wasm-opt --version` ("wasm-opt version 132 (…)").
pub fn wasm_opt_version(wasm_opt: &Path) -> Option<u32> {
    let out = Cmd::new(wasm_opt).arg("--version").read().ok()?;
    out.split_whitespace()
        .skip_while(|w| *w != "version")
        .nth(1)
        .and_then(|v| v.parse().ok())
}
