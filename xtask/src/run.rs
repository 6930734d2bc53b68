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

/// Builds the web app and the server (debug builds of both with `dev`); the server binary.
pub fn build_app(dev: bool) -> Result<std::path::PathBuf> {
    build_web::run(&build_web::Options {
        dev,
        ..Default::default()
    })?;
    let mut cargo = Cmd::cargo().args(["build", "-p", "mercato", "--bin", "mercato"]);
    if !dev {
        cargo = cargo.arg("--release");
    }
    cargo.run().context("building the server")?;
    Ok(paths::server_binary(if dev { "debug" } else { "release" }))
}

pub fn run(options: &Options) -> Result<()> {
    let server = build_app(options.dev)?;
    let root = paths::repo_root();
    let data_dir = root.join("data");

    Cmd::new(&server)
        .arg("--data-dir")
        .arg(&data_dir)
        .arg("seed-demo")
        .current_dir(&root)
        .run()
        .context("seeding the demo data")?;

    // The local OpenID Connect test provider of the e2e tests, so that "Continue with …"
    // works in the demo: it signs in a demo person without asking anything.
    let provider = crate::e2e::SsoProvider::start()
        .map_err(|e| println!("(no single sign-on in this demo: {e:#})"))
        .ok();
    println!(
        "\nServing Mercato on http://{} (Ctrl-C stops it)\n",
        options.addr
    );
    let mut cmd = Cmd::new(&server)
        .arg("--data-dir")
        .arg(&data_dir)
        .args(["serve", "--addr", &options.addr])
        .env("MERCATO_WEB_DIR", paths::web_dist_dir())
        .current_dir(&root);
    if let Some(provider) = &provider {
        println!(
            "Single sign-on: \"Continue with Demo ID\" signs in sso-demo@corp.example through a \
             local test provider at {}\n",
            provider.issuer
        );
        cmd = cmd
            .env("MERCATO_OIDC_ISSUER", &provider.issuer)
            .env("MERCATO_OIDC_CLIENT_ID", "mercato-demo")
            .env("MERCATO_OIDC_CLIENT_SECRET", "mercato-demo-secret")
            .env("MERCATO_OIDC_NAME", "Demo ID");
    }
    let status = cmd.spawn()?.wait().context("waiting for the server")?;
    if !status.success() {
        bail!("the server stopped ({status})");
    }
    Ok(())
}
