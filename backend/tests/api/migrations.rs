//! Migrations of one database started by several instances at once (a deploy starting its
//! nodes together) apply once, and every instance starts.

use mercato::config::Settings;
use mercato::db::Db;
use mercato_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_migrating_one_fresh_database_together_both_start() {
    let dir = tempfile::tempdir().unwrap();
    let pg = fresh_postgres_database().await;
    let settings = Settings {
        data_dir: dir.path().to_path_buf(),
        database_url: pg.as_ref().map(PgDatabase::url),
        ..Settings::default()
    };
    // Each with connections of its own, as two processes have.
    let first = Db::connect(&settings).await.unwrap();
    let second = Db::connect(&settings).await.unwrap();
    let (a, b) = tokio::join!(
        tokio::spawn(async move { first.migrate().await.map_err(|e| format!("{e:#}")) }),
        tokio::spawn(async move { second.migrate().await.map_err(|e| format!("{e:#}")) }),
    );
    assert_eq!(a.unwrap(), Ok(()), "the first instance migrates");
    assert_eq!(b.unwrap(), Ok(()), "the second instance migrates");

    let db = Db::connect(&settings).await.unwrap();
    assert!(Migrator::get_pending_migrations(&db.write)
        .await
        .unwrap()
        .is_empty());
    let applied = db
        .write
        .query_one(Statement::from_string(
            db.backend(),
            "SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(COUNT(DISTINCT version) AS BIGINT) AS d FROM seaql_migrations",
        ))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = applied.try_get("", "n").unwrap();
    let distinct: i64 = applied.try_get("", "d").unwrap();
    assert_eq!(
        n,
        Migrator::migrations().len() as i64,
        "each migration recorded"
    );
    assert_eq!(n, distinct, "none recorded twice");
    // The schema is usable: the first and the last migration's tables answer.
    for table in ["users", "outbox", "user_identities", "partner_sso"] {
        db.write
            .execute_unprepared(&format!("SELECT COUNT(*) FROM {table}"))
            .await
            .unwrap_or_else(|e| panic!("{table}: {e}"));
    }
    db.close().await;
}
