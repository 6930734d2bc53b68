//! `cargo xtask`: the project's workflows as one small Rust program, so that a fresh clone needs
//! nothing but rustup, node and npm (the pattern of rust-analyzer's `xtask/`).
//!
//! - `build-web [--dev] [--only NAME]`: builds the web app into `frontend/dist/`.
//! - `run [--dev] [--addr ADDR]`: builds everything, seeds demo data, serves it.
//! - `test [--no-api] [--no-e2e] [--dev]`: the whole suite.
//! - `cluster [--dev] [--addr ADDR] [--nodes N]`: PostgreSQL, N nodes and nginx in front.
//! - `bench`: import time and read throughput against the release build.
//! - `fuzz`: schemathesis over the OpenAPI document against the debug server.

mod bench;
mod bench_leads;
mod bench_search;
mod bench_usage;
mod bench_webhooks;
mod build_web;
mod cli;
mod cluster;
mod e2e;
mod fuzz;
mod lighthouse;
mod paths;
mod process;
mod run;
mod test;
mod tools;

use std::process::ExitCode;

const USAGE: &str = "\
Usage: cargo xtask <command> [options]

Commands:
  build-web [--dev] [--only NAME]
                           Build the web app (wasm + JS glue + assets) into frontend/dist/;
                           --only partner rebuilds one bundle (mercato_partner) and keeps the rest.
                           --dev: debug build, no wasm-opt (faster to compile, bigger bundle).
  run [--dev] [--addr A]   Build the web app and the server, seed demo data into ./data on
                           first start, serve on http://127.0.0.1:8080 (or A).
                           --dev: debug builds of both.
  cluster [options]        Scale-out on this machine: PostgreSQL (started if needed; DATABASE_URL
                           names another server), --nodes N (2) `mercato serve` nodes on the
                           database `mercato_cluster` with demo data, and nginx in front of them
                           on http://127.0.0.1:8080 (or --addr A); MEILISEARCH_URL, when set,
                           is the nodes' shared search engine. --dev: debug builds.
  test [options]           The whole suite: unit and API tests on SQLite (and PostgreSQL when
                           DATABASE_URL names one, then the cluster tests: two server processes
                           behind nginx on it), then end-to-end tests in headless Chromium.
                           --no-api: skip the cargo test suites.
                           --no-e2e: skip the end-to-end tests.
                           --dev:    test a debug build of the web app (faster to compile).
  bench [options]          Import the npm corpus and load the release server with wrk: import
                           time and memory, GET /api/v1/listings/{slug} against GET /healthz.
                           --corpus FILE (default ../shared/data/listings-npm.jsonl.gz)
                           --seconds N (10), --connections N (32)
  bench-search [options]   Search quality and speed on the npm corpus: recall per query kind,
                           latency p50/p99, throughput, index build time and memory.
                           --meilisearch: against MEILISEARCH_URL instead of tantivy.
  bench-leads [options]    Routing and storing a lead end to end with --partners N (1000)
                           services partners and --open-leads N (100000): p50/p99 of
                           POST /api/v1/leads; --requests N (2000), --postgres URL
  lighthouse               Lighthouse scores of the home, search and listing pages and of the
                           listing editor and analyst view, signed in (release server, demo
                           data) against the targets
  bench-webhooks [options] Webhook dispatch throughput: --deliveries N (20000) queued to a local
                           receiver, sent by --workers N (1) dispatch workers; --postgres URL
  bench-usage [options]    Usage ingestion rate, durability under SIGKILL, and analytics query
                           times on 10 million events: --events N, --workspaces N,
                           --listings N, --connections N, --postgres URL
  fuzz [options]           Fuzz the whole API from its OpenAPI document with schemathesis
                           (installed once into ~/.cache/mercato/schemathesis), anonymously
                           and as the demo admin, against the debug server with demo data:
                           fails on any 5xx or response the document does not describe.
                           --max-examples N (50) test cases per operation, --seed N (1)
  help                     Show this message.

Environment:
  CARGO_TARGET_DIR   where cargo builds (default: <repo>/target)
  DATABASE_URL       postgres://… : also run the API tests on PostgreSQL
  CHROMIUM_PATH      the browser the end-to-end tests drive (default: /usr/bin/chromium)
";

fn main() -> ExitCode {
    let mut args = cli::Args::from_env();
    let Some(command) = args.command() else {
        eprint!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let result = match command.as_str() {
        "build-web" => build_web::Options::parse(args).and_then(|o| build_web::run(&o)),
        "run" => run::Options::parse(args).and_then(|o| run::run(&o)),
        "cluster" => cluster::Options::parse(args).and_then(|o| cluster::run(&o)),
        "test" => test::Options::parse(args).and_then(|o| test::run(&o)),
        "bench" => bench::Options::parse(args).and_then(|o| bench::run(&o)),
        "lighthouse" => lighthouse::parse(args).and_then(|()| lighthouse::run()),
        "bench-webhooks" => {
            bench_webhooks::Options::parse(args).and_then(|o| bench_webhooks::run(&o))
        }
        "bench-leads" => bench_leads::Options::parse(args).and_then(|o| bench_leads::run(&o)),
        "bench-usage" => bench_usage::Options::parse(args).and_then(|o| bench_usage::run(&o)),
        "bench-search" => bench_search::Options::parse(args).and_then(|o| bench_search::run(&o)),
        "fuzz" => fuzz::Options::parse(args).and_then(|o| fuzz::run(&o)),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(anyhow::anyhow!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("\nxtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
