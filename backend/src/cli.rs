//! The `mercato` command line: serve, migrate, create-admin, import, seed-demo, backup,
//! restore, reindex and the load-test seeds.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Overrides, Settings};
use crate::db::Db;
use crate::startup::Application;
use crate::{import, seed, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "mercato",
    version,
    about = "The Mercato integration marketplace server"
)]
pub struct Cli {
    /// A TOML configuration file (keys as in README.md).
    #[arg(long, global = true, env = "MERCATO_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the SQLite database and generated keys live.
    #[arg(long, global = true, env = "MERCATO_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite database.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrates the database and serves the API and web app.
    Serve {
        /// HOST:PORT to listen on.
        #[arg(long, env = "MERCATO_ADDR", value_name = "HOST:PORT")]
        addr: Option<String>,
    },
    /// Applies pending database migrations and exits.
    Migrate,
    /// Creates a marketplace admin account (or makes an existing account an admin).
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        #[arg(long, default_value = "Marketplace admin")]
        name: String,
    },
    /// Imports listings from JSON Lines (optionally gzip-compressed): slug, name, tagline,
    /// description, partner, monthly_installs. Partners are created as needed; listings arrive
    /// published; importing again updates instead of duplicating.
    Import {
        file: PathBuf,
        /// Rows per transaction.
        #[arg(long, default_value_t = 1000)]
        batch_size: usize,
    },
    /// Seeds a small demo marketplace into an empty database (does nothing otherwise).
    SeedDemo,
    /// Seeds a lead-routing load test: active services partners in the routing rules and open
    /// leads routed among them (into a database without leads).
    SeedLoad {
        #[arg(long, default_value_t = 1000)]
        partners: usize,
        #[arg(long, default_value_t = 100_000)]
        open_leads: usize,
    },
    /// Seeds a webhook dispatch load test: one endpoint at `--url` and `--deliveries`
    /// deliveries due now (into a database without deliveries).
    SeedWebhooks {
        #[arg(long, default_value_t = 20_000)]
        deliveries: usize,
        #[arg(long)]
        url: String,
    },
    /// Adds a new key for signing install tokens; older keys stay published in the JWKS so
    /// tokens they signed keep verifying.
    RotateInstallKey,
    /// Removes install-token keys older than the given number of days (never the newest).
    RetireInstallKeys {
        #[arg(long, default_value_t = 7)]
        older_than_days: u64,
    },
    /// Makes the event history's monthly partitions (PostgreSQL) and applies the retention
    /// (MERCATO_EVENT_RETENTION_MONTHS, or --retention-months) now; every server does this at
    /// start and hourly.
    KeepHistory {
        #[arg(long)]
        retention_months: Option<u32>,
        /// Acts as if today were this date (YYYY-MM-DD): to see what a retention will drop, and
        /// for the benchmark that times dropping a month.
        #[arg(long, value_name = "DATE")]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Rebuilds the search index from the database, with a progress bar. A running server
    /// keeps searching the old index meanwhile and switches when the new one is ready.
    Reindex,
    /// Writes a backup of the embedded database and the data directory's secrets to FILE (a
    /// consistent copy, also while a server runs). On PostgreSQL: explains pg_dump.
    Backup { file: PathBuf },
    /// Restores a backup into the data directory (which must hold no database, unless
    /// --force). The search index is rebuilt at the next start.
    Restore {
        file: PathBuf,
        /// Replace the database the data directory holds.
        #[arg(long)]
        force: bool,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let overrides = Overrides {
        config_file: cli.config.clone(),
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
        addr: match &cli.command {
            Command::Serve { addr } => addr.clone(),
            _ => None,
        },
    };
    let settings = match Settings::load(&overrides) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve { .. } => {
            let app = Application::build(settings.clone()).await?;
            tracing::info!(
                addr = %settings.addr,
                port = app.port(),
                database = if app.state().db.is_postgres() { "postgres" } else { "sqlite" },
                "serving on http://{}",
                settings.addr
            );
            app.run_until_signalled().await
        }
        Command::Migrate => {
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            println!("migrations applied");
            Ok(())
        }
        Command::CreateAdmin {
            email,
            password,
            name,
        } => {
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            let created = seed::create_admin(&db, &email, &password, &name).await?;
            println!(
                "{} admin {}",
                if created {
                    "created"
                } else {
                    "promoted existing account to"
                },
                email.trim().to_lowercase()
            );
            Ok(())
        }
        Command::Import { file, batch_size } => {
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            let report = import::import_file(&db, &file, batch_size.max(1)).await?;
            println!("{report}");
            if report.rejected > 0 {
                anyhow::bail!("{} line(s) were rejected", report.rejected);
            }
            Ok(())
        }
        Command::RotateInstallKey => {
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            let sealer = crate::webhooks::secrets::SecretBox::load(&settings)?;
            crate::cluster::agree(
                &db,
                crate::cluster::SharedKey::Webhook,
                &sealer.fingerprint,
                settings.clock.now(),
            )
            .await?;
            let kid = crate::auth::install_tokens::InstallKeys::rotate(&db, &sealer).await?;
            println!(
                "new install-token key {kid}: every server signs with it within {} s",
                crate::auth::install_tokens::REFRESH_EVERY.as_secs()
            );
            Ok(())
        }
        Command::RetireInstallKeys { older_than_days } => {
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            let removed = crate::auth::install_tokens::InstallKeys::retire(
                &db,
                std::time::Duration::from_secs(older_than_days * 86_400),
            )
            .await?;
            println!("retired {} key(s): {}", removed.len(), removed.join(", "));
            Ok(())
        }
        Command::Backup { file } => {
            println!("{}", crate::backup::create(&settings, &file).await?);
            Ok(())
        }
        Command::Restore { file, force } => {
            if settings.database_url.is_some() {
                anyhow::bail!(
                    "restore writes an embedded database into the data directory; unset \
                     DATABASE_URL (on PostgreSQL use pg_restore)"
                );
            }
            let report = crate::backup::restore(&file, &settings.data_dir, force).await?;
            println!("{report}");
            Ok(())
        }
        Command::KeepHistory {
            retention_months,
            as_of,
        } => {
            let months = retention_months.unwrap_or(settings.event_retention_months);
            if months != 0 && months < 14 {
                anyhow::bail!("--retention-months must be 0 (keep all) or at least 14: usage is accepted up to 400 days late");
            }
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            let now = match as_of {
                Some(date) => date.and_time(chrono::NaiveTime::MIN).and_utc(),
                None => crate::clock::wall_now(),
            };
            let started = std::time::Instant::now();
            let kept = crate::store::partitions::keep(&db, now, months).await?;
            println!(
                "event history kept in {:.1} ms: {} partition(s) made, {} dropped ({}), {} row(s) deleted",
                started.elapsed().as_secs_f64() * 1e3,
                kept.created.len(),
                kept.dropped.len(),
                kept.dropped.join(", "),
                kept.deleted
            );
            Ok(())
        }
        Command::Reindex => {
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            crate::search::reindex::run(&db, &settings).await
        }
        Command::SeedLoad {
            partners,
            open_leads,
        } => {
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            println!(
                "{}",
                seed::load::seed_load(&db, partners, open_leads).await?
            );
            Ok(())
        }
        Command::SeedWebhooks { deliveries, url } => {
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            let secrets = crate::webhooks::secrets::SecretBox::load(&settings)?;
            println!(
                "{}",
                seed::webhooks::seed_webhooks(&db, &secrets, deliveries, &url).await?
            );
            Ok(())
        }
        Command::SeedDemo => {
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            match seed::seed_demo(&db).await? {
                Some(summary) => println!("{summary}"),
                None => println!("the database already has data; demo seed skipped"),
            }
            Ok(())
        }
    }
}
