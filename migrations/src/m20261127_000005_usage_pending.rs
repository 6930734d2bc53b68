//! Usage is acknowledged once pending and folded into the roll-ups in bulk (see
//! `backend/src/usage/folder.rs`), and the roll-ups are stored for write speed:
//!
//! - `usage_pending`: acknowledged batches not yet in the roll-ups.
//! - SQLite: `usage_daily` and `usage_last_seen` become WITHOUT ROWID tables, clustered on their
//!   keys (one B-tree to write instead of a table plus its key index).
//! - PostgreSQL: their pages keep room for in-place (HOT) updates of the counters.
//! - `idx_usage_last_seen_day` goes: it made every last-seen update an index update, and the
//!   adoption ranking reads the table in key order instead.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

use crate::common::id;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UsagePending {
    Table,
    Id,
    Events,
    Rows,
    CreatedAt,
}

/// The roll-ups as clustered tables: (name, columns, key).
const SQLITE_ROLLUPS: [(&str, &str, &str); 2] = [
    (
        "usage_daily",
        "listing_id bigint NOT NULL, day integer NOT NULL, workspace_id bigint NOT NULL, events bigint NOT NULL",
        "listing_id, day, workspace_id",
    ),
    (
        "usage_last_seen",
        "listing_id bigint NOT NULL, workspace_id bigint NOT NULL, last_day integer NOT NULL",
        "listing_id, workspace_id",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UsagePending::Table)
                    .col(id(UsagePending::Id))
                    .col(big_integer(UsagePending::Events))
                    .col(blob(UsagePending::Rows))
                    .col(timestamp_with_time_zone(UsagePending::CreatedAt))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS idx_usage_last_seen_day")
            .await?;
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => {
                for (table, columns, key) in SQLITE_ROLLUPS {
                    db.execute_unprepared(&format!(
                        "CREATE TABLE {table}_new ({columns}, PRIMARY KEY ({key})) WITHOUT ROWID; \
                         INSERT INTO {table}_new SELECT * FROM {table}; \
                         DROP TABLE {table}; \
                         ALTER TABLE {table}_new RENAME TO {table};"
                    ))
                    .await?;
                }
            }
            _ => {
                for table in ["usage_daily", "usage_last_seen"] {
                    db.execute_unprepared(&format!("ALTER TABLE {table} SET (fillfactor = 80)"))
                        .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => {
                for (table, columns, key) in SQLITE_ROLLUPS {
                    db.execute_unprepared(&format!(
                        "CREATE TABLE {table}_old ({columns}, PRIMARY KEY ({key})); \
                         INSERT INTO {table}_old SELECT * FROM {table}; \
                         DROP TABLE {table}; \
                         ALTER TABLE {table}_old RENAME TO {table};"
                    ))
                    .await?;
                }
            }
            _ => {
                for table in ["usage_daily", "usage_last_seen"] {
                    db.execute_unprepared(&format!("ALTER TABLE {table} RESET (fillfactor)"))
                        .await?;
                }
            }
        }
        db.execute_unprepared(
            "CREATE INDEX idx_usage_last_seen_day ON usage_last_seen (last_day, listing_id)",
        )
        .await?;
        manager
            .drop_table(Table::drop().table(UsagePending::Table).to_owned())
            .await
    }
}
