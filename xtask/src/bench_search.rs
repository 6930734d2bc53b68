//! `cargo xtask bench-search`: the search figures of the search issue, against the release
//! build and the npm corpus.
//!
//! 1. Import the corpus, then time `mercato reindex` (full index build) and its peak memory.
//! 2. Serve it; relevance: for every row of `search-queries-dev.tsv` (kind, query, expected
//!    name, k), whether the expected name is within the first k hits of `GET /api/v1/search`.
//! 3. Latency: each query once more on a fresh connection (one client, as Meilisearch was
//!    measured), p50 and p99 over the file, three rounds.
//! 4. Throughput: wrk at 16 connections cycling through the queries.
//! 5. The server's resident memory after all that (index loaded and warm).

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::bench::{requests_per_second, wait_with_peak_rss};
use crate::cli::Args;
use crate::e2e::{free_local_addr, isolated, print_log_tail, wait_until_ready, TempDir};
use crate::paths;
use crate::process::{Cmd, KillOnDrop};
use crate::tools;

pub struct Options {
    corpus: PathBuf,
    queries: PathBuf,
    meilisearch: bool,
}

impl Options {
    pub fn parse(mut args: Args) -> Result<Self> {
        let data = paths::repo_root().join("../shared/data");
        let corpus = args
            .value("--corpus")?
            .map(PathBuf::from)
            .unwrap_or_else(|| data.join("listings-npm.jsonl.gz"));
        let queries = args
            .value("--queries")?
            .map(PathBuf::from)
            .unwrap_or_else(|| data.join("search-queries-dev.tsv"));
        let meilisearch = args.flag("--meilisearch");
        args.finish()?;
        Ok(Options {
            corpus,
            queries,
            meilisearch,
        })
    }
}

struct Query {
    kind: String,
    text: String,
    expected: String,
    k: usize,
}

fn read_queries(path: &Path) -> Result<Vec<Query>> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 4 {
            bail!(
                "a row of {} does not have 4 columns: {line}",
                path.display()
            );
        }
        out.push(Query {
            kind: cols[0].into(),
            text: cols[1].into(),
            expected: cols[2].into(),
            k: cols[3].trim().parse().context("k is a number")?,
        });
    }
    Ok(out)
}

pub fn run(options: &Options) -> Result<()> {
    let queries = read_queries(&options.queries)?;
    let wrk = tools::ensure_wrk()?;
    let server = paths::release_server()?;
    let temp = TempDir::new("mercato-bench-search")?;
    let data_dir = temp.path().join("data");

    let engine_env = |cmd: Cmd| -> Cmd {
        if options.meilisearch {
            cmd
        } else {
            isolated(cmd)
        }
    };
    engine_env(Cmd::new(&server))
        .arg("--data-dir")
        .arg(&data_dir)
        .arg("import")
        .arg(&options.corpus)
        .run()
        .context("importing the corpus")?;

    let started = Instant::now();
    let child = crate::bench::unthrottled(engine_env(Cmd::new(&server)))
        .arg("--data-dir")
        .arg(&data_dir)
        .arg("reindex")
        .spawn()?;
    let (ok, reindex_peak_kib) = wait_with_peak_rss(child)?;
    if !ok {
        bail!("mercato reindex failed");
    }
    let reindex_secs = started.elapsed().as_secs_f64();

    let addr = free_local_addr()?;
    let log_path = temp.path().join("serve.log");
    let log = File::create(&log_path)?;
    // One client sends every query: the server's per-address limit would answer 429s.
    let child = crate::bench::unthrottled(engine_env(Cmd::new(&server)))
        .arg("--data-dir")
        .arg(&data_dir)
        .args(["serve", "--addr", &addr.to_string()])
        .env("MERCATO_LOG", "warn")
        .env("NO_COLOR", "1")
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?;
    let mut guard = KillOnDrop(child);
    if let Err(e) = wait_until_ready(&mut guard.0, addr) {
        print_log_tail(&log_path);
        return Err(e);
    }
    let pid = guard.0.id();

    // Relevance.
    let mut found: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for q in &queries {
        let path = format!("/api/v1/search?q={}&limit={}", percent_encode(&q.text), q.k);
        let (status, body) = get(addr, &path)?;
        if status != 200 {
            bail!("GET {path} answered {status}: {body}");
        }
        let json: serde_json::Value = serde_json::from_str(&body)?;
        let hit = json["hits"].as_array().is_some_and(|hits| {
            hits.iter()
                .take(q.k)
                .any(|h| h["name"] == q.expected.as_str())
        });
        let entry = found.entry(q.kind.clone()).or_default();
        entry.1 += 1;
        if hit {
            entry.0 += 1;
        } else {
            misses.push(format!("{}\t{}\t{}", q.kind, q.text, q.expected));
        }
    }

    // Latency: a fresh connection per query. Only answers count: an error answer (a 429, a
    // 5xx) is fast and would flatter the figures, so any fails the benchmark.
    let mut latencies = Vec::with_capacity(queries.len() * 3);
    for _ in 0..3 {
        for q in &queries {
            let path = format!("/api/v1/search?q={}&limit={}", percent_encode(&q.text), q.k);
            let t = Instant::now();
            let (status, body) = get(addr, &path)?;
            let took = t.elapsed();
            if !(200..300).contains(&status) {
                bail!("GET {path} answered {status} during the latency run: {body}");
            }
            latencies.push(took);
        }
    }
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];

    // Throughput at 16 connections.
    let script = temp.path().join("queries.lua");
    write_query_script(&script, &temp.path().join("queries.txt"), &queries)?;
    let out = Cmd::new(&wrk)
        .args(["-t2", "-c16", "-d10s", "-s"])
        .arg(&script)
        .arg(format!("http://{addr}"))
        .read()?;
    let throughput = requests_per_second(&out)?;
    let rss_kib = proc_status_kib(pid, "VmRSS:").unwrap_or(0);
    let hwm_kib = proc_status_kib(pid, "VmHWM:").unwrap_or(0);
    drop(guard);

    let misses_path = paths::target_dir().join("bench-search-misses.tsv");
    fs::write(&misses_path, misses.join("\n"))?;
    let engine = if options.meilisearch {
        "meilisearch"
    } else {
        "tantivy"
    };
    println!(
        "\n== Mercato search benchmark (release build, {engine}, {} queries) ==",
        queries.len()
    );
    let targets = [
        ("typo", 0.97, 0.960),
        ("words", 0.95, 0.915),
        ("usecase", 0.99, 0.980),
    ];
    for (kind, target, meili) in targets {
        let (hit, total) = found.get(kind).copied().unwrap_or((0, 0));
        let recall = if total == 0 {
            0.0
        } else {
            hit as f64 / total as f64
        };
        println!("recall {kind:<8} {recall:.3} ({hit}/{total})   target >= {target:.2}, Meilisearch {meili:.3}");
    }
    println!(
        "latency (new connection per query, {} requests): p50 {:.2} ms, p99 {:.2} ms   targets p50 <= 2 ms, p99 <= 5 ms (Meilisearch 4.5 / 10.5)",
        latencies.len(),
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0
    );
    println!("throughput (wrk, 2 threads, 16 connections, 10 s): {throughput:.0} req/s");
    println!(
        "index build (mercato reindex): {reindex_secs:.1} s, peak RSS {:.0} MiB   target <= 15 s (Meilisearch 30 s, 1.8 GB)",
        reindex_peak_kib as f64 / 1024.0
    );
    println!(
        "server memory with the index loaded: RSS {:.0} MiB, peak {:.0} MiB   target <= 300 MB",
        rss_kib as f64 / 1024.0,
        hwm_kib as f64 / 1024.0
    );
    println!("misses written to {}", misses_path.display());
    Ok(())
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A GET on a new connection (`Connection: close`); the status and body.
fn get(addr: SocketAddr, path: &str) -> Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok((status, body))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

fn proc_status_kib(pid: u32, key: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn write_query_script(script: &Path, list: &Path, queries: &[Query]) -> Result<()> {
    let lines: Vec<String> = queries
        .iter()
        .map(|q| format!("/api/v1/search?q={}&limit={}", percent_encode(&q.text), q.k))
        .collect();
    fs::write(list, lines.join("\n"))?;
    fs::write(
        script,
        format!(
            r#"local paths = {{}}
for line in io.lines("{}") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"#,
            list.display()
        ),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_queries() {
        assert_eq!(percent_encode("ai mcp/x"), "ai%20mcp%2Fx");
        assert_eq!(dechunk("5\r\nhello\r\n0\r\n\r\n"), "hello");
    }
}
