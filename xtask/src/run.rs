//! `cargo xtask run [--dev] [--addr ADDR]`: builds the web app and the server, seeds demo data
//! into `./data` (only into an empty database) and serves on http://127.0.0.1:8080.

use anyhow::{bail, Context, Result};

use crate::build_web;
use crate::cli::Args;
use crate::paths;
use crate::process::Cmd;

const DEFAULT_ADDR: &str = "127.0.0.1:8080";

#[derive(Debug)]
pub struct Options {
    pub dev: bool,
    pub addr: String,
}

impl Options {
    pub fn parse(mut args: Args) -> Result<Self> {
        let dev = args.flag("--dev");
        let addr = args.value("--addr")?.unwrap_or_else(|| DEFAULT_ADDR.into());
        args.finish()?;
        Ok(Options { dev, addr })
    }
}

pub fn run(options: &Options) -> Result<()> {
    build_web::run(&build_web::Options {
        dev: options.dev,
        ..Default::default()
    })?;

    let mut cargo = Cmd::cargo().args(["build", "-p", "mercato", "--bin", "mercato"]);
    if !options.dev {
        cargo = cargo.arg("--release");
    }
    cargo.run().context("building the server")?;

    let server = paths::server_binary(if options.dev { "debug" } else { "release" });
    let root = paths::repo_root();
    let data_dir = root.join("data");

    Cmd::new(&server)
        .arg("--data-dir")
        .arg(&data_dir)
        .arg("seed-demo")
        .current_dir(&root)
        .run()
        .context("seeding the demo data")?;

    println!(
        "\nServing Mercato on http://{} (Ctrl-C stops it)\n",
        options.addr
    );
    let status = Cmd::new(&server)
        .arg("--data-dir")
        .arg(&data_dir)
        .args(["serve", "--addr", &options.addr])
        .env("MERCATO_WEB_DIR", paths::web_dist_dir())
        .current_dir(&root)
        .spawn()?
        .wait()
        .context("waiting for the server")?;
    if !status.success() {
        bail!("the server stopped ({status})");
    }
    Ok(())
}
