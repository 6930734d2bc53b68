//! Database connections. SQLite (a WAL file in the data directory) is the embedded default;
//! PostgreSQL is used when `DATABASE_URL` names it. Both run the same migrations and queries.
//!
//! SQLite allows one writer at a time, so it gets two pools: a single-connection pool for
//! everything that writes (writers queue in-process instead of failing with SQLITE_BUSY) and a
//! pool of read-only connections for reads. On PostgreSQL both handles share one pool.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use mercato_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, SqlxPostgresConnector,
    SqlxSqliteConnector, TransactionTrait,
};

use crate::config::Settings;

/// The PostgreSQL advisory lock migrations run under: any fixed number, the same in every
/// version (this one is "mercato" in ASCII).
const MIGRATION_LOCK_KEY: i64 = 0x006d_6572_6361_746f;

#[derive(Clone, Debug)]
pub struct Db {
    /// For transactions and every write.
    pub write: DatabaseConnection,
    /// For reads that need no transaction.
    pub read: DatabaseConnection,
}

impl Db {
    pub fn backend(&self) -> DatabaseBackend {
        self.write.get_database_backend()
    }

    pub fn is_postgres(&self) -> bool {
        self.backend() == DatabaseBackend::Postgres
    }

    /// Connects as the settings say, creating the data directory and SQLite file if needed.
    pub async fn connect(settings: &Settings) -> anyhow::Result<Db> {
        match settings.database_url.as_deref() {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Self::connect_postgres(url, settings.db_pool_size).await
            }
            Some(url) if url.starts_with("sqlite:") => {
                let opts = SqliteConnectOptions::from_str(url)
                    .with_context(|| format!("parsing DATABASE_URL {url}"))?;
                Self::connect_sqlite(opts, settings.db_pool_size).await
            }
            Some(url) => anyhow::bail!(
                "DATABASE_URL must start with postgres:// or sqlite:, got {}",
                url.split(':').next().unwrap_or_default()
            ),
            None => {
                std::fs::create_dir_all(&settings.data_dir).with_context(|| {
                    format!(
                        "creating the data directory {}",
                        settings.data_dir.display()
                    )
                })?;
                let opts = SqliteConnectOptions::new().filename(sqlite_path(&settings.data_dir));
                Self::connect_sqlite(opts, settings.db_pool_size).await
            }
        }
    }

    async fn connect_postgres(url: &str, pool_size: u32) -> anyhow::Result<Db> {
        let opts = PgConnectOptions::from_str(url).context("parsing DATABASE_URL")?;
        let pool = PgPoolOptions::new()
            .max_connections(pool_size.max(2))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await
            .context("connecting to PostgreSQL")?;
        let conn = SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
        Ok(Db {
            write: conn.clone(),
            read: conn,
        })
    }

    async fn connect_sqlite(opts: SqliteConnectOptions, pool_size: u32) -> anyhow::Result<Db> {
        let opts = opts
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-32000")
            .pragma("temp_store", "memory");
        // No ping before each acquire: a local file cannot have dropped the connection, and
        // the ping is a round trip to the connection's worker thread on every query.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone())
            .await
            .context("opening the SQLite database")?;
        let readers = SqlitePoolOptions::new()
            .max_connections(pool_size)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts.read_only(true).create_if_missing(false))
            .await
            .context("opening the SQLite database for reading")?;
        Ok(Db {
            write: SqlxSqliteConnector::from_sqlx_sqlite_pool(writer),
            read: SqlxSqliteConnector::from_sqlx_sqlite_pool(readers),
        })
    }

    /// Applies pending migrations, one process at a time: instances starting together would
    /// otherwise each find a migration pending and each apply it, and all but one fail on a
    /// table that exists. The lock is taken before reading what is applied, so whoever waited
    /// finds nothing left to do.
    ///
    /// - PostgreSQL: the migrations run in one transaction (as sea-orm-migration runs them
    ///   anyway) that first takes a transaction-level advisory lock on a fixed key; it is
    ///   released by the commit or rollback, or when the connection dies with its process.
    /// - SQLite: in one `BEGIN IMMEDIATE` transaction, which takes the database's write lock
    ///   up front (another process waits for it up to the busy timeout). The writer pool is a
    ///   single connection, so every statement of the migrations runs inside it. A deferred
    ///   transaction would not do: two readers could both find a migration pending.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        if self.is_postgres() {
            let txn = self.write.begin().await?;
            txn.execute_unprepared(&format!(
                "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
            ))
            .await
            .context("waiting for the migration lock")?;
            Migrator::up(&txn, None)
                .await
                .context("running database migrations")?;
            txn.commit()
                .await
                .context("committing database migrations")?;
            return Ok(());
        }
        self.write
            .execute_unprepared("BEGIN IMMEDIATE")
            .await
            .context("waiting for the database's write lock to migrate")?;
        match Migrator::up(&self.write, None).await {
            Ok(()) => {
                self.write
                    .execute_unprepared("COMMIT")
                    .await
                    .context("committing database migrations")?;
                Ok(())
            }
            Err(e) => {
                if let Err(rollback) = self.write.execute_unprepared("ROLLBACK").await {
                    tracing::warn!(error = %rollback, "rolling back failed migrations failed");
                }
                Err(e).context("running database migrations")
            }
        }
    }

    /// Checks the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        self.read.ping().await.is_ok() && self.write.ping().await.is_ok()
    }

    pub async fn close(self) {
        let _ = self.read.close().await;
        let _ = self.write.close().await;
    }
}

pub fn sqlite_path(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("mercato.db")
}
