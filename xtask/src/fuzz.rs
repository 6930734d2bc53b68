//! `cargo xtask fuzz [--max-examples N] [--seed N]`: a fuzzing pass of the whole API from its
//! OpenAPI document with schemathesis (from PyPI, installed once into a virtual environment in
//! `~/.cache/mercato/schemathesis`), against the debug server on a free loopback port with a
//! fresh, seeded demo database.
//!
//! Schemathesis runs four times: anonymously, then as the demo customer, the demo partner's
//! admin and the marketplace admin (who may reach nearly every route but the partners' own). Path parameters naming a partner, listing or category are drawn from
//! the demo data most of the time (a `schemathesis.toml` of dictionaries), so that requests get
//! past the 404 to the handlers' logic. Each response is checked for a 5xx, a status code, content type or
//! header the document does not give for the operation, and a body that does not match the
//! documented schema. The summary counts operations, test cases and failures per check; any
//! failure or error fails the command. Schemathesis prints each failure with a `curl` line that
//! reproduces it (against the server, which is gone by then: rerun it with `cargo xtask run`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::bench_usage::start_server_with;
use crate::cli::Args;
use crate::e2e::{isolated, seed_demo, TempDir};
use crate::paths;
use crate::process::{which, Cmd};

/// The major version the options below are written for (4 reworked the command line).
const SCHEMATHESIS_REQUIREMENT: &str = "schemathesis>=4.3,<5";
/// Test cases per operation and phase; about 10,000 requests in a few minutes on two cores.
const DEFAULT_MAX_EXAMPLES: usize = 50;
const DEFAULT_SEED: usize = 1;
/// The checks of every response, and the schemathesis failure codes each reports.
const CHECKS: [(&str, &[&str]); 5] = [
    ("not_a_server_error", &["ST101", "ST102"]),
    ("status_code_conformance", &["ST103"]),
    ("content_type_conformance", &["ST104", "ST105", "ST106"]),
    ("response_headers_conformance", &["ST107"]),
    (
        "response_schema_conformance",
        &["ST108", "ST109", "ST110", "ST111"],
    ),
];

pub struct Options {
    max_examples: usize,
    seed: usize,
}

impl Options {
    pub fn parse(mut args: Args) -> Result<Self> {
        let max_examples = args.count("--max-examples", DEFAULT_MAX_EXAMPLES)?;
        let seed = args.count("--seed", DEFAULT_SEED)?;
        args.finish()?;
        Ok(Options { max_examples, seed })
    }
}

/// The `st` command of the virtual environment, made on first use.
fn ensure_schemathesis() -> Result<PathBuf> {
    let home = std::env::var_os("HOME").context("HOME is not set")?;
    let venv = PathBuf::from(home).join(".cache/mercato/schemathesis");
    let st = venv.join("bin/st");
    if st.is_file() {
        return Ok(st);
    }
    let Some(python) = which("python3") else {
        bail!("python3 is not on PATH; schemathesis needs Python 3.10+ (Debian: python3-venv)");
    };
    println!(
        "Installing {SCHEMATHESIS_REQUIREMENT} into {} (once; about a minute).",
        venv.display()
    );
    Cmd::new(python).args(["-m", "venv"]).arg(&venv).run()?;
    Cmd::new(venv.join("bin/pip"))
        .args(["install", "--quiet", SCHEMATHESIS_REQUIREMENT])
        .run()?;
    if !st.is_file() {
        bail!("pip installed schemathesis but {} is missing", st.display());
    }
    Ok(st)
}

/// One schemathesis run: who called, and what its JSON report says.
struct Run {
    name: &'static str,
    exit_ok: bool,
    report: Value,
}

impl Run {
    fn failures_with(&self, codes: &[&str]) -> u64 {
        self.report["failures"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["code"].as_str().is_some_and(|c| codes.contains(&c)))
            .filter_map(|f| f["count"].as_u64())
            .sum()
    }

    fn failures(&self) -> u64 {
        self.report["failures"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["count"].as_u64())
            .sum()
    }

    fn errors(&self) -> u64 {
        self.report["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["count"].as_u64())
            .sum()
    }

    fn passed(&self) -> bool {
        self.exit_ok && self.failures() == 0 && self.errors() == 0
    }
}

/// Who schemathesis calls the API as: the demo accounts, from the least to the most
/// privileged (the admin's run changes the most, so it comes last).
struct Caller {
    name: &'static str,
    account: Option<(&'static str, &'static str)>,
    /// The partner the account administers: its `{slug}` is the one drawn from the data.
    partner: Option<&'static str>,
}

const CALLERS: [Caller; 4] = [
    Caller {
        name: "anonymous",
        account: None,
        partner: None,
    },
    Caller {
        name: "customer",
        account: Some(("customer@acme.example", "mercato-customer-demo")),
        partner: None,
    },
    Caller {
        name: "partner",
        account: Some(("partner@northwind-labs.example", "mercato-partner-demo")),
        partner: Some("northwind-labs"),
    },
    Caller {
        name: "admin",
        account: Some(("admin@mercato.example", "mercato-admin-demo")),
        partner: None,
    },
];

pub fn run(options: &Options) -> Result<()> {
    let st = ensure_schemathesis()?;
    Cmd::cargo()
        .args(["build", "-p", "mercato", "--bin", "mercato"])
        .run()
        .context("building the server")?;
    let temp = TempDir::new("mercato-fuzz")?;
    // A copy, taken at once: the target directory may be shared, and another build may
    // replace its binary while this one runs.
    let server_bin = temp.path().join("mercato");
    std::fs::copy(paths::server_binary("debug"), &server_bin)
        .context("copying the server binary")?;
    let data_dir = temp.path().join("data");
    seed_demo(&server_bin, &data_dir)?;
    let server = start_server_with(
        &server_bin,
        &data_dir,
        None,
        &temp.path().join("serve.log"),
        &[
            ("MERCATO_SEARCH_WORKER", "true"),
            // Outlives a run, so no token expires half-way.
            ("MERCATO_ACCESS_TOKEN_TTL", "7200"),
            // Webhooks the fuzzer registers are never called.
            ("MERCATO_WEBHOOK_WORKERS", "0"),
        ],
    )?;
    // Read before any run changes the data (the admin's suspends partners, delists listings).
    let slugs = demo_slugs(&server.base)?;

    let mut runs = Vec::new();
    for caller in &CALLERS {
        println!("\n== schemathesis, {} ==", caller.name);
        let token = caller
            .account
            .map(|account| login(&server.base, account))
            .transpose()?;
        let config = write_config(&slugs, caller, temp.path())?;
        runs.push(schemathesis(
            &st,
            &server.base,
            caller.name,
            token.as_deref(),
            options,
            &config,
        )?);
    }
    drop(server);
    print_summary(&runs, options);
    if let Some(failed) = runs.iter().find(|r| !r.passed()) {
        bail!(
            "schemathesis found problems in the {} run (details above)",
            failed.name
        );
    }
    Ok(())
}

/// Signs in and returns the access token.
fn login(base: &str, (email, password): (&str, &str)) -> Result<String> {
    let body = serde_json::json!({ "email": email, "password": password }).to_string();
    let answer = Cmd::new("curl")
        .args(["-sf", "-H", "content-type: application/json", "-d", &body])
        .arg(format!("{base}/api/v1/auth/login"))
        .read()
        .with_context(|| format!("signing in as {email}"))?;
    let json: Value = serde_json::from_str(&answer)?;
    json["access_token"]
        .as_str()
        .map(String::from)
        .context("the login answer has no access_token")
}

/// The `{slug}` path parameters whose values come from the demo data: a dictionary name, the
/// operations' paths, and the public list of the values.
const DICTIONARIES: [(&str, &str, &str); 3] = [
    (
        "partners",
        r"^/api/v1/partners/\{slug\}",
        "/api/v1/partners?limit=100",
    ),
    (
        "listings",
        r"^/api/v1/(analytics/)?listings/\{slug\}",
        "/api/v1/listings?limit=100",
    ),
    (
        "categories",
        r"^/api/v1/categories/\{slug\}",
        "/api/v1/categories",
    ),
];
/// How often a `{slug}` is taken from the demo data rather than generated.
const KNOWN_SLUG_PROBABILITY: f64 = 0.8;

/// The slugs of each dictionary, read from its list.
fn demo_slugs(base: &str) -> Result<Vec<Vec<String>>> {
    DICTIONARIES
        .iter()
        .map(|(name, _, list)| {
            let slugs = list_slugs(base, list)?;
            if slugs.is_empty() {
                bail!("{list} listed no {name}");
            }
            Ok(slugs)
        })
        .collect()
}

fn list_slugs(base: &str, list: &str) -> Result<Vec<String>> {
    let answer = Cmd::new("curl")
        .args(["-sf", &format!("{base}{list}")])
        .read()?;
    let json: Value = serde_json::from_str(&answer)?;
    Ok(json["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item["slug"].as_str().map(String::from))
        .collect())
}

/// Writes the caller's `schemathesis.toml`: dictionaries of the demo data's slugs, bound to
/// the `{slug}` of the operations under each (a partner's run uses its own partner's slug).
fn write_config(slugs: &[Vec<String>], caller: &Caller, temp: &Path) -> Result<PathBuf> {
    let mut toml = String::from("# Written by `cargo xtask fuzz`.\n");
    let mut bindings = String::new();
    for ((name, path_regex, _), values) in DICTIONARIES.iter().zip(slugs) {
        let values: Vec<String> = match caller.partner {
            Some(partner) if *name == "partners" => vec![Value::from(partner).to_string()],
            _ => values
                .iter()
                .map(|v| Value::from(v.as_str()).to_string())
                .collect(),
        };
        toml.push_str(&format!(
            "[dictionaries.{name}]\nvalues = [{}]\n\n",
            values.join(", ")
        ));
        bindings.push_str(&format!(
            "[[operations]]\ninclude-path-regex = {}\nparameters = {{ \"path.slug\" = {{ dictionary = \"{name}\", probability = {KNOWN_SLUG_PROBABILITY} }} }}\n\n",
            Value::from(*path_regex)
        ));
    }
    toml.push_str(&bindings);
    let path = temp.join(format!("schemathesis-{}.toml", caller.name));
    std::fs::write(&path, toml)?;
    Ok(path)
}

fn schemathesis(
    st: &Path,
    base: &str,
    name: &'static str,
    token: Option<&str>,
    options: &Options,
    config: &Path,
) -> Result<Run> {
    let temp = config.parent().context("the configuration's folder")?;
    let report = temp.join(format!("schemathesis-{name}.json"));
    let checks: Vec<&str> = CHECKS.iter().map(|(check, _)| *check).collect();
    let mut cmd = isolated(Cmd::new(st))
        .arg(format!("--config-file={}", config.display()))
        .arg("run")
        .arg(format!("{base}/api/v1/openapi.json"))
        .arg(format!("--checks={}", checks.join(",")))
        .arg(format!("--max-examples={}", options.max_examples))
        .arg(format!("--seed={}", options.seed))
        .args(["--no-color", "--report=json"])
        .arg(format!("--report-json-path={}", report.display()))
        // No `.hypothesis` folder or example database left in the checkout.
        .args(["--generation-database=none"])
        .current_dir(temp);
    if let Some(token) = token {
        cmd = cmd.arg(format!("--header=Authorization: Bearer {token}"));
    }
    let status = cmd.spawn()?.wait().context("waiting for schemathesis")?;
    let text = std::fs::read_to_string(&report)
        .with_context(|| format!("schemathesis wrote no report ({status})"))?;
    Ok(Run {
        name,
        exit_ok: status.success(),
        report: serde_json::from_str(&text).context("reading the schemathesis report")?,
    })
}

fn print_summary(runs: &[Run], options: &Options) {
    println!(
        "\n== schemathesis summary (--max-examples {}, --seed {}) ==",
        options.max_examples, options.seed
    );
    let mut header = format!("{:<40}", "");
    for run in runs {
        header.push_str(&format!("{:>12}", run.name));
    }
    println!("{header}");
    let row = |label: &str, value: &dyn Fn(&Run) -> String| {
        let mut line = format!("{label:<40}");
        for run in runs {
            line.push_str(&format!("{:>12}", value(run)));
        }
        println!("{line}");
    };
    row("operations tested", &|r| {
        format!(
            "{}/{}",
            r.report["operations"]["tested"].as_u64().unwrap_or(0),
            r.report["operations"]["total"].as_u64().unwrap_or(0)
        )
    });
    row("test cases", &|r| {
        r.report["test_cases"]["generated"]
            .as_u64()
            .unwrap_or(0)
            .to_string()
    });
    for (check, codes) in CHECKS {
        row(&format!("failures: {check}"), &|r| {
            r.failures_with(codes).to_string()
        });
    }
    let known: Vec<&str> = CHECKS
        .iter()
        .flat_map(|(_, codes)| *codes)
        .copied()
        .collect();
    row("failures: other", &|r| {
        (r.failures() - r.failures_with(&known)).to_string()
    });
    row("errors", &|r| r.errors().to_string());
    row("result", &|r| {
        if r.passed() { "passed" } else { "FAILED" }.to_string()
    });
}
