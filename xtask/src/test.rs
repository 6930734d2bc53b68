//! `cargo xtask test [--no-api] [--no-e2e] [--dev]`: the whole suite.
//!
//! 1. tools: the wasm32 target, Chromium and the e2e npm packages (for the end-to-end step and
//!    the single sign-on API tests, which run a real OpenID Connect provider from them);
//! 2. the workspace's tests with cargo-nextest on SQLite (`MERCATO_TEST_DB=sqlite`), then again
//!    on PostgreSQL when `DATABASE_URL` names one (`MERCATO_TEST_DB=postgres`); the Meilisearch
//!    side of the search contract only where `MEILISEARCH_URL` names a server (the summary says
//!    how many were skipped otherwise);
//!    Then, on PostgreSQL, the cluster tests (nextest profile `cluster`): two `mercato serve`
//!    processes behind Debian's nginx (installed when missing), one killed with SIGKILL;
//! 3. end-to-end: the real server on a fresh data directory, driven by headless Chromium.
//!
//! Every step runs even when an earlier one failed (except what depends on it); the summary at
//! the end names the failed steps, and the exit code is non-zero if any failed.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::cli::Args;
use crate::e2e;
use crate::process::{which, Cmd};
use crate::tools;

#[derive(Debug, Default)]
pub struct Options {
    pub no_api: bool,
    pub no_e2e: bool,
    /// Test a debug build of the web app.
    pub dev: bool,
}

impl Options {
    pub fn parse(mut args: Args) -> Result<Self> {
        let options = Options {
            no_api: args.flag("--no-api"),
            no_e2e: args.flag("--no-e2e"),
            dev: args.flag("--dev"),
        };
        args.finish()?;
        Ok(options)
    }
}

enum Outcome {
    Passed,
    Failed(String),
    Skipped(String),
}

struct Step {
    name: &'static str,
    outcome: Outcome,
    took: Duration,
}

#[derive(Default)]
struct Report {
    steps: Vec<Step>,
    /// Lines the summary ends with (tests left out, and why).
    notes: Vec<String>,
}

impl Report {
    fn run<T>(&mut self, name: &'static str, f: impl FnOnce() -> Result<T>) -> Option<T> {
        banner(name);
        let started = Instant::now();
        let result = f();
        let took = started.elapsed();
        let (outcome, value) = match result {
            Ok(value) => (Outcome::Passed, Some(value)),
            Err(error) => {
                eprintln!("\nxtask: step `{name}` failed: {error:#}");
                (Outcome::Failed(format!("{error:#}")), None)
            }
        };
        self.steps.push(Step {
            name,
            outcome,
            took,
        });
        value
    }

    fn skip(&mut self, name: &'static str, why: impl Into<String>) {
        self.steps.push(Step {
            name,
            outcome: Outcome::Skipped(why.into()),
            took: Duration::ZERO,
        });
    }

    fn failed(&self) -> Vec<&'static str> {
        self.steps
            .iter()
            .filter(|s| matches!(s.outcome, Outcome::Failed(_)))
            .map(|s| s.name)
            .collect()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "xtask test summary:")?;
        for step in &self.steps {
            let (word, note) = match &step.outcome {
                Outcome::Passed => ("ok", String::new()),
                Outcome::Failed(why) => ("FAILED", first_line(why)),
                Outcome::Skipped(why) => ("skipped", why.clone()),
            };
            writeln!(
                f,
                "  {:<16} {:<8} {:>7.1}s  {}",
                step.name,
                word,
                step.took.as_secs_f64(),
                note
            )?;
        }
        for note in &self.notes {
            writeln!(f, "{note}")?;
        }
        Ok(())
    }
}

pub fn run(options: &Options) -> Result<()> {
    let mut report = Report::default();

    let chromium: Option<PathBuf> = if options.no_e2e {
        None
    } else {
        report.run("tools", || {
            tools::ensure_wasm_target()?;
            let chromium = tools::ensure_chromium()?;
            tools::ensure_e2e_packages()?;
            Ok(chromium)
        })
    };

    if options.no_api {
        report.skip("api (sqlite)", "--no-api");
        report.skip("api (postgres)", "--no-api");
    } else {
        let meilisearch = std::env::var("MEILISEARCH_URL").is_ok_and(|url| !url.is_empty());
        report.run("api (sqlite)", || api_tests("sqlite", meilisearch));
        match std::env::var("DATABASE_URL") {
            Ok(url) if url.starts_with("postgres") => {
                report.run("api (postgres)", || api_tests("postgres", meilisearch));
                report.run("cluster", cluster_tests);
            }
            _ => {
                let why = "DATABASE_URL does not name a PostgreSQL database";
                report.skip("api (postgres)", why);
                report.skip("cluster", why);
            }
        }
        if !meilisearch {
            report.notes.push(match count_meilisearch_tests() {
                Ok(n) => format!("SKIPPED: {n} Meilisearch contract tests (MEILISEARCH_URL unset)"),
                Err(e) => format!(
                    "SKIPPED: the Meilisearch contract tests (MEILISEARCH_URL unset; counting them failed: {e:#})"
                ),
            });
        }
    }

    match (options.no_e2e, chromium) {
        (true, _) => report.skip("e2e", "--no-e2e"),
        (false, None) => report.skip("e2e", "the tools it needs are missing (see `tools`)"),
        (false, Some(chromium)) => {
            let server_build = if options.no_api {
                e2e::ServerBuild::Alone
            } else {
                e2e::ServerBuild::LikeTheTests
            };
            report.run("e2e", || e2e::run(&chromium, options.dev, server_build));
        }
    }

    let failed = report.failed();
    println!("\n{report}");
    if failed.is_empty() {
        println!("xtask test: all steps passed");
        Ok(())
    } else {
        bail!("failed step(s): {}", failed.join(", "))
    }
}

/// The packages whose tests `api_tests` runs: the whole workspace (the web app's components
/// build for the host too, with the `ssr` feature the server renders them with).
pub const API_TEST_PACKAGES: [&str; 1] = ["--workspace"];

/// The Meilisearch side of the search contract (`search::<test>::meilisearch` in the API
/// tests); the same filter as the default profile's in `.config/nextest.toml`.
const MEILISEARCH_TESTS: &str = "test(/^search::.+::meilisearch$/)";

fn nextest_installed() -> bool {
    which("cargo-nextest").is_some() || Cmd::cargo().args(["nextest", "--version"]).read().is_ok()
}

/// The workspace's unit and integration tests; the Meilisearch contract tests only with a
/// server to run them against.
fn api_tests(database: &str, meilisearch: bool) -> Result<()> {
    // The single sign-on tests run a real OpenID Connect provider from the e2e packages.
    tools::ensure_e2e_packages()?;
    let cmd = if nextest_installed() {
        let cmd = Cmd::cargo()
            .args(["nextest", "run"])
            .args(API_TEST_PACKAGES)
            .arg("--no-fail-fast");
        if meilisearch {
            cmd.args(["--profile", "meilisearch"])
        } else {
            cmd
        }
    } else {
        println!("cargo-nextest is not installed; falling back to `cargo test`.");
        let cmd = Cmd::cargo()
            .arg("test")
            .args(API_TEST_PACKAGES)
            .arg("--no-fail-fast");
        let cmd = cmd.args(["--", "--skip", "cluster_processes::"]);
        if meilisearch {
            cmd
        } else {
            cmd.args(["--skip", "::meilisearch"])
        }
    };
    cmd.env("MERCATO_TEST_DB", database).run()
}

/// The process-level cluster tests on PostgreSQL: two servers behind nginx.
fn cluster_tests() -> Result<()> {
    tools::ensure_nginx()?;
    let cmd = if nextest_installed() {
        Cmd::cargo().args(["nextest", "run", "-p", "mercato", "--profile", "cluster"])
    } else {
        Cmd::cargo().args([
            "test",
            "-p",
            "mercato",
            "--test",
            "api",
            "cluster_processes::",
            "--",
            "--test-threads=1",
        ])
    };
    cmd.env("MERCATO_TEST_DB", "postgres").run()
}

/// How many Meilisearch contract tests there are (the run left them out).
fn count_meilisearch_tests() -> Result<usize> {
    if !nextest_installed() {
        bail!("cargo-nextest is not installed");
    }
    let listed = Cmd::cargo()
        .args([
            "nextest",
            "list",
            "-p",
            "mercato",
            "--ignore-default-filter",
        ])
        .args(["-E", MEILISEARCH_TESTS, "--message-format", "oneline"])
        .read()?;
    Ok(listed
        .lines()
        .filter(|l| l.trim_end().ends_with("::meilisearch"))
        .count())
}

fn banner(name: &str) {
    println!("\n==> {name}");
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_which_tests_were_left_out() {
        let mut report = Report::default();
        report.skip(
            "api (postgres)",
            "DATABASE_URL does not name a PostgreSQL database",
        );
        report
            .notes
            .push("SKIPPED: 10 Meilisearch contract tests (MEILISEARCH_URL unset)".into());
        let summary = report.to_string();
        assert!(summary.contains("api (postgres)   skipped"), "{summary}");
        assert!(
            summary
                .lines()
                .any(|l| l == "SKIPPED: 10 Meilisearch contract tests (MEILISEARCH_URL unset)"),
            "{summary}"
        );
    }

    /// The filter xtask counts with is the one the default nextest profile leaves out.
    #[test]
    fn the_counted_tests_are_the_ones_the_default_profile_leaves_out() {
        let config =
            std::fs::read_to_string(crate::paths::repo_root().join(".config/nextest.toml"))
                .expect("reading .config/nextest.toml");
        assert!(
            config.contains(&format!(
                "default-filter = 'not {MEILISEARCH_TESTS} and not test(/^cluster_processes::/)'"
            )),
            "{config}"
        );
    }
}
