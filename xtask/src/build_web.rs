//! `cargo xtask build-web [--dev] [--only NAME]`: compiles the web app to wasm, generates its JS glue with
//! wasm-bindgen (as a library: no wasm-bindgen-cli to install), shrinks it with binaryen's
//! wasm-opt when one is available, and lays out `frontend/dist/`:
//!
//! ```text
//! frontend/dist/style.css
//! frontend/dist/boot.js          (loads the bundle, hydrates the islands)
//! frontend/dist/pkg/mercato_frontend.js
//! frontend/dist/pkg/mercato_frontend_bg.wasm
//! ```

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use flate2::write::GzEncoder;
use flate2::Compression;
use wasm_bindgen_cli_support::Bindgen;

use crate::cli::Args;
use crate::paths;
use crate::process::Cmd;
use crate::tools;

/// The bundles, by file stem (`boot.js` loads `/pkg/{stem}.js`) and the crate's features: the
/// public islands, and the consoles' bundle for `/analytics`, `/partner` and `/admin`, so that
/// public pages never download the consoles' code.
pub const BUNDLES: [(&str, &str); 6] = [
    ("mercato_frontend", "hydrate"),
    ("mercato_analytics", "console-analytics"),
    ("mercato_partner", "console-partner"),
    ("mercato_partner_ops", "console-partner-ops"),
    ("mercato_admin", "console-admin"),
    ("mercato_admin_ops", "console-admin-ops"),
];
const PROFILE: &str = "wasm-release";
/// Files copied from `frontend/` into `frontend/dist/` as they are.
const ASSETS: [&str; 2] = ["style.css", "boot.js"];
/// Oldest binaryen trusted with current Rust output (Debian's 108 breaks it).
const MIN_WASM_OPT: u32 = 116;

#[derive(Debug, Default)]
pub struct Options {
    /// Debug build: faster to compile, big and unoptimised.
    pub dev: bool,
    /// Rebuild this bundle only (`partner` for `mercato_partner`), keeping the others: for
    /// working on one console.
    pub only: Option<String>,
}

impl Options {
    pub fn parse(mut args: Args) -> Result<Self> {
        let dev = args.flag("--dev");
        let only = args.value("--only")?;
        args.finish()?;
        if let Some(name) = &only {
            if !BUNDLES
                .iter()
                .any(|(stem, _)| *stem == format!("mercato_{name}"))
            {
                bail!("--only {name}: no such bundle (see BUNDLES in xtask/src/build_web.rs)");
            }
        }
        Ok(Options { dev, only })
    }

    /// Whether this build makes the bundle `stem`.
    fn includes(&self, stem: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|name| stem == format!("mercato_{name}"))
    }
}

pub fn run(options: &Options) -> Result<()> {
    let started = Instant::now();
    tools::ensure_wasm_target()?;

    let dist = paths::web_dist_dir();
    let pkg = dist.join("pkg");
    if pkg.exists() && options.only.is_none() {
        fs::remove_dir_all(&pkg).with_context(|| format!("removing {}", pkg.display()))?;
    }
    fs::create_dir_all(&pkg).with_context(|| format!("creating {}", pkg.display()))?;
    for (stem, features) in BUNDLES {
        if options.includes(stem) {
            build_bundle(options, stem, features, &pkg)?;
        }
    }

    for asset in ASSETS {
        let from = paths::frontend_dir().join(asset);
        fs::copy(&from, dist.join(asset)).with_context(|| format!("copying {}", from.display()))?;
    }

    println!(
        "\nWeb app built into {} in {:.0?}:",
        dist.display(),
        started.elapsed()
    );
    print_sizes(&dist)?;
    Ok(())
}

/// Compiles the crate with `features` and writes `{stem}.js` and `{stem}_bg.wasm` into `pkg`.
fn build_bundle(options: &Options, stem: &str, features: &str, pkg: &Path) -> Result<()> {
    let mut cargo = Cmd::cargo().args([
        "build",
        "-p",
        "mercato-frontend",
        "--lib",
        "--target",
        tools::WASM_TARGET,
        "--features",
        features,
    ]);
    if !options.dev {
        cargo = cargo.args(["--profile", PROFILE]);
    }
    cargo.run().context("building the web app for wasm32")?;

    let profile_dir = if options.dev { "debug" } else { PROFILE };
    let wasm = paths::target_dir()
        .join(tools::WASM_TARGET)
        .join(profile_dir)
        // Cargo names the artifact after the crate, whatever the features.
        .join("mercato_frontend.wasm");

    println!("wasm-bindgen (web) {} -> {}", wasm.display(), pkg.display());
    Bindgen::new()
        .input_path(&wasm)
        .out_name(stem)
        .web(true)?
        // The library's default (unlike the CLI's) leaves out the `new URL('…_bg.wasm',
        // import.meta.url)` fallback, and boot.js calls `init()` without a path.
        .omit_default_module_path(false)
        .debug(options.dev)
        .keep_debug(options.dev)
        .remove_name_section(!options.dev)
        .remove_producers_section(!options.dev)
        .generate(pkg)
        .with_context(|| format!("running wasm-bindgen on {}", wasm.display()))?;

    if !options.dev {
        optimise(&pkg.join(format!("{stem}_bg.wasm")))?;
    }
    Ok(())
}

/// Runs `wasm-opt -Oz` in place, if a good wasm-opt is installed.
fn optimise(wasm: &Path) -> Result<()> {
    let Some(wasm_opt) = tools::find_wasm_opt() else {
        println!(
            "wasm-opt skipped: binaryen's wasm-opt is not installed (`npm ci --prefix e2e` \
             installs it; Debian's is too old and is never used)."
        );
        return Ok(());
    };
    match tools::wasm_opt_version(&wasm_opt) {
        Some(v) if v >= MIN_WASM_OPT => {}
        other => {
            println!(
                "wasm-opt skipped: {} is binaryen {}, older than {MIN_WASM_OPT}.",
                wasm_opt.display(),
                other.map_or("(unknown version)".to_string(), |v| v.to_string())
            );
            return Ok(());
        }
    }
    let optimised = wasm.with_extension("opt.wasm");
    // The features rustc enables by default for wasm32-unknown-unknown.
    Cmd::new(&wasm_opt)
        .arg("-Oz")
        .args([
            "--enable-bulk-memory",
            "--enable-mutable-globals",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-reference-types",
            "--enable-multivalue",
        ])
        .arg(wasm)
        .arg("-o")
        .arg(&optimised)
        .run()
        .context("optimising the wasm with wasm-opt")?;
    fs::rename(&optimised, wasm).context("replacing the wasm with the optimised one")?;
    Ok(())
}

fn print_sizes(dist: &Path) -> Result<()> {
    let mut files: Vec<_> = ASSETS.iter().map(|a| dist.join(a)).collect();
    let mut pkg: Vec<_> = fs::read_dir(dist.join("pkg"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    pkg.sort();
    files.extend(pkg);

    let (mut raw_total, mut gz_total) = (0, 0);
    println!("  {:<32} {:>10} {:>10}", "file", "raw", "gzip");
    for file in &files {
        let bytes = fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let gz = gzipped_len(&bytes)?;
        raw_total += bytes.len();
        gz_total += gz;
        let name = file
            .strip_prefix(dist)
            .unwrap_or(file)
            .display()
            .to_string();
        println!("  {:<32} {:>10} {:>10}", name, kib(bytes.len()), kib(gz));
    }
    println!(
        "  {:<32} {:>10} {:>10}",
        "total",
        kib(raw_total),
        kib(gz_total)
    );
    Ok(())
}

/// The size of `bytes` gzipped at the highest level, as a server would precompress them.
pub fn gzipped_len(bytes: &[u8]) -> Result<usize> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len())
}

fn kib(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_shrinks_repetitive_input() {
        let input = b"mercato ".repeat(1000);
        let gz = gzipped_len(&input).unwrap();
        assert!(gz > 0 && gz < input.len() / 10, "{gz}");
    }

    #[test]
    fn formats_sizes_in_kib() {
        assert_eq!(kib(1536), "1.5 KiB");
    }
}
