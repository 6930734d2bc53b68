//! Where things are: the repository, cargo's target directory, the web app's folders.

use std::env;
use std::path::{Path, PathBuf};

/// The repository root (xtask lives in `<root>/xtask`).
///
/// Read at run time: `cargo run` (the `cargo xtask` alias) sets `CARGO_MANIFEST_DIR` for the
/// checkout it runs in. The compile-time value can name another checkout: two clones sharing
/// one `CARGO_TARGET_DIR` (a developer's and CI's) share the xtask binary, and cargo does not
/// rebuild it just because the checkout's absolute path changed.
pub fn repo_root() -> PathBuf {
    let manifest_dir = env::var_os("CARGO_MANIFEST_DIR")
        .filter(|dir| Path::new(dir).join("Cargo.toml").is_file())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}

/// Cargo's target directory: `CARGO_TARGET_DIR` if set (relative to the repository), else
/// `<repo>/target`.
pub fn target_dir() -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => repo_root().join(dir),
        _ => repo_root().join("target"),
    }
}

pub fn frontend_dir() -> PathBuf {
    repo_root().join("frontend")
}

/// What `build-web` produces and the server serves (`MERCATO_WEB_DIR`).
pub fn web_dist_dir() -> PathBuf {
    frontend_dir().join("dist")
}

pub fn e2e_dir() -> PathBuf {
    repo_root().join("e2e")
}

/// The server binary cargo builds for a profile directory (`debug` or `release`).
pub fn server_binary(profile_dir: &str) -> PathBuf {
    target_dir()
        .join(profile_dir)
        .join(format!("mercato{}", env::consts::EXE_SUFFIX))
}

/// Builds the release server and returns its binary (the benchmarks and Lighthouse run it).
pub fn release_server() -> anyhow::Result<PathBuf> {
    use anyhow::Context;
    crate::process::Cmd::cargo()
        .args(["build", "--release", "-p", "mercato", "--bin", "mercato"])
        .run()
        .context("building the release server")?;
    Ok(server_binary("release"))
}
