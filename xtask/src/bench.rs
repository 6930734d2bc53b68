//! `cargo xtask bench`: the performance figures the foundation issue asks for, measured the same
//! way every time against the release build.
//!
//! 1. Import the npm corpus (197,049 listings) into a fresh SQLite database: wall time and the
//!    importer's peak memory (its maximum resident set size).
//! 2. Serve it, and load it with `wrk` from this machine: `GET /healthz` (a trivial handler in the
//!    same server, same middleware) and `GET /api/v1/listings/{slug}` over 20,000 distinct slugs
//!    of the corpus picked uniformly at random, first with the public read cache (after a
//!    warm-up pass) and then with the cache switched off (every request reads the database).
//! 3. The server-rendered listing page, `GET /integrations/{slug}` over the same slugs on one
//!    connection (no queueing): p50 and p99 latency from wrk's latency distribution.
//!
//! The load generator shares the two cores with the server, as it would on any one-machine
//! measurement; ratios measured in one run are what to compare.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::cli::Args;
use crate::e2e::{free_local_addr, isolated, print_log_tail, wait_until_ready, TempDir};
use crate::paths;
use crate::process::{Cmd, KillOnDrop};
use crate::tools;

const SLUG_SAMPLE: usize = 20_000;

#[derive(Debug)]
pub struct Options {
    pub corpus: PathBuf,
    pub seconds: u32,
    pub connections: u32,
}

impl Options {
    pub fn parse(mut args: Args) -> Result<Self> {
        let corpus = args
            .value("--corpus")?
            .map(PathBuf::from)
            .unwrap_or_else(|| paths::repo_root().join("../shared/data/listings-npm.jsonl.gz"));
        let seconds = args
            .value("--seconds")?
            .map(|s| s.parse())
            .transpose()
            .context("--seconds takes a whole number")?
            .unwrap_or(10);
        let connections = args
            .value("--connections")?
            .map(|s| s.parse())
            .transpose()
            .context("--connections takes a whole number")?
            .unwrap_or(32);
        args.finish()?;
        Ok(Options {
            corpus,
            seconds,
            connections,
        })
    }
}

pub fn run(options: &Options) -> Result<()> {
    if !options.corpus.is_file() {
        bail!(
            "the corpus {} does not exist (pass --corpus FILE)",
            options.corpus.display()
        );
    }
    let wrk = tools::ensure_wrk()?;
    let server = paths::release_server()?;
    let temp = TempDir::new("mercato-bench")?;
    let data_dir = temp.path().join("data");

    // 1. Import.
    let started = Instant::now();
    let import = isolated(Cmd::new(&server))
        .arg("--data-dir")
        .arg(&data_dir)
        .arg("import")
        .arg(&options.corpus)
        .spawn()?;
    let (status, peak_kib) = wait_with_peak_rss(import)?;
    if !status {
        bail!("importing the corpus failed");
    }
    let import_secs = started.elapsed().as_secs_f64();
    let import_peak_mib = peak_kib as f64 / 1024.0;

    // 2. Load.
    let slugs = sample_slugs(&options.corpus, SLUG_SAMPLE)?;
    let script = temp.path().join("random-slug.lua");
    write_wrk_script(
        &script,
        &temp.path().join("slugs.txt"),
        &slugs,
        "/api/v1/listings/",
    )?;
    let page_script = temp.path().join("random-page.lua");
    write_wrk_script(
        &page_script,
        &temp.path().join("slugs.txt"),
        &slugs,
        "/integrations/",
    )?;
    let scripts = Scripts {
        listing: &script,
        page: &page_script,
    };

    let cached = measure(&server, &wrk, &data_dir, &scripts, options, true)?;
    let uncached = measure(&server, &wrk, &data_dir, &scripts, options, false)?;

    println!(
        "\n== Mercato benchmark (release build, SQLite, {} listings) ==",
        slugs_total(&options.corpus)?
    );
    println!("import:                      {import_secs:>9.1} s wall, peak RSS {import_peak_mib:.0} MiB   (target: < 60 s)");
    for (label, m) in [("read cache on", &cached), ("read cache off", &uncached)] {
        println!(
            "{label:<15} GET /healthz {:>9.0} req/s | GET /api/v1/listings/{{slug}} {:>9.0} req/s = {:>5.1}% (target: >= 40%)",
            m.trivial,
            m.listing,
            100.0 * m.listing / m.trivial
        );
    }
    println!(
        "GET /integrations/{{slug}} (server-rendered page, 1 connection): p50 {:.2} ms, p99 {:.2} ms   (target: p99 <= 10 ms)",
        uncached.page_p50_ms, uncached.page_p99_ms
    );
    println!(
        "wrk: 1 thread, {} connections, {} s per run; {} distinct slugs, uniform random",
        options.connections, options.seconds, SLUG_SAMPLE
    );
    Ok(())
}

struct Measurement {
    trivial: f64,
    listing: f64,
    page_p50_ms: f64,
    page_p99_ms: f64,
}

struct Scripts<'a> {
    listing: &'a Path,
    page: &'a Path,
}

fn measure(
    server: &Path,
    wrk: &Path,
    data_dir: &Path,
    scripts: &Scripts,
    options: &Options,
    cache: bool,
) -> Result<Measurement> {
    let script = scripts.listing;
    let addr = free_local_addr()?;
    let log_path = data_dir.join(format!("serve-{cache}.log"));
    let log = File::create(&log_path)?;
    let child = unthrottled(isolated(Cmd::new(server)))
        .arg("--data-dir")
        .arg(data_dir)
        .args(["serve", "--addr", &addr.to_string()])
        .env("MERCATO_LOG", "warn")
        .env("NO_COLOR", "1")
        .env("MERCATO_PUBLIC_CACHE_TTL", if cache { "600" } else { "0" })
        .env("MERCATO_PUBLIC_CACHE_CAPACITY", "200000")
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?;
    let mut guard = KillOnDrop(child);
    if let Err(e) = wait_until_ready(&mut guard.0, addr) {
        print_log_tail(&log_path);
        return Err(e);
    }
    let base = format!("http://{addr}");
    let load = |url: &str, script: Option<&Path>| -> Result<f64> {
        let mut cmd = Cmd::new(wrk).args([
            "-t1".to_string(),
            format!("-c{}", options.connections),
            format!("-d{}s", options.seconds),
        ]);
        if let Some(s) = script {
            cmd = cmd.arg("-s").arg(s);
        }
        let out = cmd.arg(url).read()?;
        requests_per_second(&out)
    };
    if cache {
        // Warm-up: one pass to fill the cache; not counted.
        load(&base, Some(script))?;
    }
    let trivial = load(&format!("{base}/healthz"), None)?;
    let listing = load(&base, Some(script))?;
    let out = Cmd::new(wrk)
        .args([
            "-t1".to_string(),
            "-c1".to_string(),
            format!("-d{}s", options.seconds),
            "--latency".to_string(),
        ])
        .arg("-s")
        .arg(scripts.page)
        .arg(&base)
        .read()?;
    check_wrk_run(&out)?;
    Ok(Measurement {
        trivial,
        listing,
        page_p50_ms: latency_ms(&out, "50%")?,
        page_p99_ms: latency_ms(&out, "99%")?,
    })
}

/// A percentile of wrk's "Latency Distribution" (`--latency`), in milliseconds.
pub(crate) fn latency_ms(wrk_output: &str, percentile: &str) -> Result<f64> {
    let value = wrk_output
        .lines()
        .skip_while(|l| !l.contains("Latency Distribution"))
        .find_map(|l| l.trim().strip_prefix(percentile).map(str::trim))
        .ok_or_else(|| anyhow::anyhow!("no {percentile} latency in wrk's output"))?;
    let (number, factor) = if let Some(n) = value.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = value.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = value.strip_suffix('s') {
        (n, 1000.0)
    } else {
        bail!("unknown latency unit in {value:?}")
    };
    Ok(number.trim().parse::<f64>()? * factor)
}

/// wrk's "Requests/sec:" line, of a run without failures (see [`check_wrk_run`]).
pub(crate) fn requests_per_second(wrk_output: &str) -> Result<f64> {
    check_wrk_run(wrk_output)?;
    wrk_output
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no Requests/sec in wrk's output:\n{wrk_output}"))
}

/// Fails a wrk run that had failures, which would otherwise flatter its figures: socket
/// errors ("Socket errors: connect N, read N, write N, timeout N") and error answers ("Non-2xx
/// or 3xx responses: N"; wrk counts statuses from 400). wrk prints each line only when its
/// counts are not all zero; a line that does not parse fails the run too.
pub(crate) fn check_wrk_run(wrk_output: &str) -> Result<()> {
    let mut failures = Vec::new();
    for line in wrk_output.lines().map(str::trim) {
        if let Some(counts) = line.strip_prefix("Socket errors:") {
            let mut total = 0u64;
            for part in counts.split(',') {
                let (kind, n) = part
                    .trim()
                    .split_once(' ')
                    .ok_or_else(|| anyhow::anyhow!("unreadable wrk line: {line}"))?;
                if !["connect", "read", "write", "timeout"].contains(&kind) {
                    bail!("unreadable wrk line: {line}");
                }
                total += n
                    .trim()
                    .parse::<u64>()
                    .with_context(|| format!("unreadable wrk line: {line}"))?;
            }
            if total > 0 {
                failures.push(line.to_string());
            }
        } else if let Some(n) = line.strip_prefix("Non-2xx or 3xx responses:") {
            let n: u64 = n
                .trim()
                .parse()
                .with_context(|| format!("unreadable wrk line: {line}"))?;
            if n > 0 {
                failures.push(line.to_string());
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        bail!("the load run had failures: {}", failures.join("; "))
    }
}

/// Waits for the child and returns whether it succeeded and its own peak resident set (KiB),
/// from `wait4`, which reports the usage of that one process.
pub(crate) fn wait_with_peak_rss(child: std::process::Child) -> Result<(bool, i64)> {
    let pid = child.id() as libc::pid_t;
    // SAFETY: wait4 writes only into the status and rusage we pass; the child is ours and is
    // not waited for anywhere else (the `Child` is forgotten after this).
    let (rc, status, usage) = unsafe {
        let mut status: libc::c_int = 0;
        let mut usage: libc::rusage = std::mem::zeroed();
        let rc = libc::wait4(pid, &mut status, 0, &mut usage);
        (rc, status, usage)
    };
    std::mem::forget(child);
    if rc != pid {
        bail!("waiting for process {pid} failed");
    }
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    Ok((ok, usage.ru_maxrss))
}

pub(crate) fn corpus_lines(corpus: &Path) -> Result<impl Iterator<Item = String>> {
    let file = File::open(corpus).with_context(|| format!("opening {}", corpus.display()))?;
    let reader: Box<dyn BufRead> = if corpus.extension().is_some_and(|e| e == "gz") {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    Ok(reader.lines().map_while(|l| l.ok()))
}

pub(crate) fn slugs_total(corpus: &Path) -> Result<usize> {
    Ok(corpus_lines(corpus)?.count())
}

/// `n` slugs spread over the whole corpus, picked by a fixed pseudo-random sequence so that
/// every run loads the same ones.
fn sample_slugs(corpus: &Path, n: usize) -> Result<Vec<String>> {
    let all: Vec<String> = corpus_lines(corpus)?
        .filter_map(|line| {
            let start = line.find("\"slug\": \"").map(|i| i + 9)?;
            let end = line[start..].find('"')? + start;
            Some(line[start..end].to_string())
        })
        .collect();
    if all.is_empty() {
        bail!("no slugs in {}", corpus.display());
    }
    // xorshift: deterministic, no dependency.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut picked = std::collections::BTreeSet::new();
    while picked.len() < n.min(all.len()) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        picked.insert((x % all.len() as u64) as usize);
    }
    Ok(picked.into_iter().map(|i| all[i].clone()).collect())
}

fn write_wrk_script(
    script: &Path,
    slugs_file: &Path,
    slugs: &[String],
    prefix: &str,
) -> Result<()> {
    fs::write(slugs_file, slugs.join("\n"))?;
    let mut f = File::create(script)?;
    write!(
        f,
        r#"local slugs = {{}}
for line in io.lines("{}") do slugs[#slugs + 1] = line end
math.randomseed(42)
request = function()
  return wrk.format("GET", "{prefix}" .. slugs[math.random(#slugs)])
end
"#,
        slugs_file.display()
    )?;
    Ok(())
}

/// A load generator sends everything from one address: the server's abuse limits are turned
/// off so that the benchmark measures the server, not its rate limiter.
pub(crate) fn unthrottled(cmd: Cmd) -> Cmd {
    cmd.env("MERCATO_RATE_LIMIT_PER_ADDRESS", "0")
        .env("MERCATO_RATE_LIMIT_PER_ACCOUNT", "0")
        .env("MERCATO_RATE_LIMIT_PER_API_KEY", "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_latency_percentiles() {
        let out =
            "  Latency Distribution\n     50%  812.00us\n     75%    1.10ms\n     99%    4.25ms\n";
        assert!((latency_ms(out, "50%").unwrap() - 0.812).abs() < 1e-9);
        assert!((latency_ms(out, "99%").unwrap() - 4.25).abs() < 1e-9);
        assert!(latency_ms("no table", "99%").is_err());
    }

    #[test]
    fn reads_wrk_output() {
        let out = "Running 10s test\n  Requests/sec:  51672.87\nTransfer/sec: 1MB\n";
        assert_eq!(requests_per_second(out).unwrap(), 51672.87);
        assert!(requests_per_second("Non-2xx or 3xx responses: 5\nRequests/sec: 1").is_err());
        assert!(requests_per_second("nothing").is_err());
    }

    #[test]
    fn wrk_runs_with_socket_errors_or_error_answers_fail() {
        let clean = "Running 10s test\n  8 threads and 16 connections\n  Requests/sec:  1200.50\n";
        assert!(check_wrk_run(clean).is_ok());
        let socket = "  Socket errors: connect 0, read 12, write 0, timeout 3\nRequests/sec: 900\n";
        let e = check_wrk_run(socket).unwrap_err().to_string();
        assert!(e.contains("read 12"), "{e}");
        assert!(requests_per_second(socket).is_err());
        assert!(check_wrk_run("  Socket errors: connect 1, read 0, write 0, timeout 0\n").is_err());
        assert!(check_wrk_run("  Socket errors: connect 0, read 0, write 0, timeout 0\n").is_ok());
        let answers = "  Non-2xx or 3xx responses: 17\nRequests/sec: 900\n";
        assert!(check_wrk_run(answers)
            .unwrap_err()
            .to_string()
            .contains("17"));
        assert!(check_wrk_run("  Socket errors: connect x, read 0\n").is_err());
        assert!(check_wrk_run("  Non-2xx or 3xx responses: many\n").is_err());
    }
}
