//! `cargo xtask lighthouse`: Lighthouse (the npm package, driving Debian's Chromium) on the home,
//! search and listing pages of the release server with the demo data, and on the listing editor
//! and the analyst view signed in as the demo partner and analyst, against the issues' targets.
//! Lighthouse is installed once into `~/.cache/mercato/lighthouse`.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::bench_usage::start_server_with;
use crate::cli::Args;
use crate::e2e::{seed_demo, TempDir};
use crate::process::{which, Cmd};
use crate::{build_web, paths, tools};

const LIGHTHOUSE_VERSION: &str = "12";
const CHROME_FLAGS: &str = "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
     --disable-background-networking --disable-component-update --disable-sync";
/// (category, minimum score) the issues ask for: public pages...
const TARGETS: [(&str, u32); 4] = [
    ("performance", 95),
    ("accessibility", 95),
    ("best-practices", 95),
    ("seo", 100),
];
/// ...and console pages (accessibility; they are `noindex` on purpose, so SEO is left out and
/// the other scores are reported without a target).
const CONSOLE_TARGETS: [(&str, u32); 1] = [("accessibility", 95)];
const CONSOLE_REPORTED: [&str; 3] = ["performance", "accessibility", "best-practices"];

/// A page to audit, and the demo account to sign in as first (console pages).
struct Audit {
    name: &'static str,
    path: String,
    account: Option<(&'static str, &'static str)>,
}

pub fn parse(args: Args) -> Result<()> {
    args.finish()
}

fn ensure_lighthouse() -> Result<PathBuf> {
    let home = std::env::var_os("HOME").context("HOME is not set")?;
    let dir = PathBuf::from(home).join(".cache/mercato/lighthouse");
    let bin = dir.join("node_modules/.bin/lighthouse");
    if bin.is_file() {
        return Ok(bin);
    }
    if which("npm").is_none() {
        bail!("npm is not on PATH; Lighthouse needs Node.js 20+ and npm");
    }
    println!(
        "Installing lighthouse@{LIGHTHOUSE_VERSION} into {} (once; about a minute).",
        dir.display()
    );
    std::fs::create_dir_all(&dir)?;
    Cmd::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&dir)
        .arg(format!("lighthouse@{LIGHTHOUSE_VERSION}"))
        .run()?;
    Ok(bin)
}

pub fn run() -> Result<()> {
    let chromium = tools::ensure_chromium()?;
    tools::ensure_e2e_packages()?;
    let lighthouse = ensure_lighthouse()?;
    build_web::run(&build_web::Options {
        dev: false,
        ..Default::default()
    })?;
    let server_bin = paths::release_server()?;
    let temp = TempDir::new("mercato-lighthouse")?;
    let data_dir = temp.path().join("data");
    seed_demo(&server_bin, &data_dir)?;
    let web_dir = paths::web_dist_dir();
    let server = start_server_with(
        &server_bin,
        &data_dir,
        None,
        &temp.path().join("serve.log"),
        &[
            ("MERCATO_SEARCH_WORKER", "true"),
            ("MERCATO_WEB_DIR", web_dir.to_str().unwrap_or_default()),
        ],
    )?;
    let listings: Value = serde_json::from_str(
        &Cmd::new("curl")
            .args(["-sf", &format!("{}/api/v1/listings?limit=1", server.base)])
            .read()?,
    )?;
    let slug = listings["items"][0]["slug"]
        .as_str()
        .context("the demo data has no listing")?;
    // The search index catches up with the seeded data in the background.
    std::thread::sleep(std::time::Duration::from_secs(2));
    let public = |name, path: String| Audit {
        name,
        path,
        account: None,
    };
    let pages = [
        public("home", "/".to_string()),
        public("search", "/search?q=quickbooks".to_string()),
        public("listing", format!("/integrations/{slug}")),
        Audit {
            name: "editor",
            path: "/partner/northwind-labs/listings/northwind-invoice-sync".to_string(),
            account: Some(("partner@northwind-labs.example", "mercato-partner-demo")),
        },
        Audit {
            name: "analytics",
            path: "/analytics".to_string(),
            account: Some(("analyst@mercato.example", "mercato-analyst-demo")),
        },
    ];
    println!(
        "\n== Lighthouse {LIGHTHOUSE_VERSION} (release server, demo data, Chromium headless) =="
    );
    for Audit {
        name,
        path,
        account,
    } in pages
    {
        let report = temp.path().join(format!("{name}.json"));
        let profile = temp.path().join(format!("chrome-{name}"));
        let mut lighthouse = Cmd::new(&lighthouse);
        if let Some((email, password)) = account {
            // The session lives in the profile's localStorage; Lighthouse must keep it.
            Cmd::new("node")
                .arg(paths::e2e_dir().join("sign-in-profile.mjs"))
                .arg(&server.base)
                .arg(&profile)
                .args([email, password, path.as_str()])
                .env("CHROMIUM_PATH", &chromium)
                .run()
                .with_context(|| format!("signing in as {email}"))?;
            lighthouse = lighthouse.arg("--disable-storage-reset");
        }
        lighthouse
            .arg(format!("{}{path}", server.base))
            .args(["--quiet", "--output=json"])
            .arg(format!("--output-path={}", report.display()))
            .arg(format!(
                "--chrome-flags={CHROME_FLAGS} --user-data-dir={}",
                profile.display()
            ))
            .env("CHROME_PATH", &chromium)
            .run()
            .with_context(|| format!("lighthouse on {path}"))?;
        let json: Value = serde_json::from_str(&std::fs::read_to_string(&report)?)?;
        let (reported, targets): (Vec<&str>, &[(&str, u32)]) = if account.is_some() {
            (CONSOLE_REPORTED.to_vec(), &CONSOLE_TARGETS)
        } else {
            (TARGETS.iter().map(|(c, _)| *c).collect(), &TARGETS)
        };
        let scores: Vec<String> = reported
            .iter()
            .map(|category| {
                let score = json["categories"][category]["score"]
                    .as_f64()
                    .map_or(0, |s| (s * 100.0).round() as u32);
                match targets.iter().find(|(c, _)| c == category) {
                    Some((_, target)) => format!("{category} {score} (target >= {target})"),
                    None => format!("{category} {score}"),
                }
            })
            .collect();
        println!("{name:<9} {path:<58} {}", scores.join(", "));
    }
    drop(server);
    Ok(())
}
