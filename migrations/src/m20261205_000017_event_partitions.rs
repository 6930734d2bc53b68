//! PostgreSQL: `usage_daily` (by `day`) and `install_events` (by `created_at`) become tables
//! partitioned by range, so that the event history is stored month by month, queries of a
//! window read only its months, and retention drops whole months instead of deleting rows.
//!
//! This migration makes the partitioned tables with a DEFAULT partition holding every existing
//! row; the server's partition keeper (`backend/src/store/partitions.rs`) then creates the
//! monthly partitions (moving rows out of the default one) at start and every hour. The
//! primary key of `install_events` becomes (id, created_at): a partitioned table's keys must
//! include its partition key; `id` still comes from the same sequence.
//!
//! SQLite keeps its tables (an embedded installation drops old rows with DELETE).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = "
ALTER TABLE usage_daily RENAME TO usage_daily_unpartitioned;
ALTER TABLE usage_daily_unpartitioned RENAME CONSTRAINT usage_daily_pkey TO usage_daily_unpartitioned_pkey;
CREATE TABLE usage_daily (
    listing_id bigint NOT NULL,
    day integer NOT NULL,
    workspace_id bigint NOT NULL,
    events bigint NOT NULL,
    PRIMARY KEY (listing_id, day, workspace_id)
) PARTITION BY RANGE (day);
CREATE TABLE usage_daily_default PARTITION OF usage_daily DEFAULT WITH (fillfactor = 80);
INSERT INTO usage_daily SELECT listing_id, day, workspace_id, events FROM usage_daily_unpartitioned;
DROP TABLE usage_daily_unpartitioned;

ALTER SEQUENCE install_events_id_seq OWNED BY NONE;
ALTER TABLE install_events RENAME TO install_events_unpartitioned;
ALTER TABLE install_events_unpartitioned RENAME CONSTRAINT install_events_pkey TO install_events_unpartitioned_pkey;
DROP INDEX idx_install_events_listing_time;
DROP INDEX idx_install_events_time;
CREATE TABLE install_events (
    id bigint NOT NULL DEFAULT nextval('install_events_id_seq'),
    install_id bigint NOT NULL REFERENCES installs (id) ON DELETE CASCADE,
    workspace_id bigint NOT NULL,
    listing_id bigint NOT NULL,
    kind varchar(16) NOT NULL,
    actor_id bigint,
    source varchar(32) NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE install_events_default PARTITION OF install_events DEFAULT;
CREATE INDEX idx_install_events_listing_time ON install_events (listing_id, created_at);
CREATE INDEX idx_install_events_time ON install_events (created_at);
INSERT INTO install_events SELECT id, install_id, workspace_id, listing_id, kind, actor_id, source, created_at
    FROM install_events_unpartitioned;
DROP TABLE install_events_unpartitioned;
ALTER SEQUENCE install_events_id_seq OWNED BY install_events.id;
";

const DOWN: &str = "
CREATE TABLE usage_daily_plain (
    listing_id bigint NOT NULL,
    day integer NOT NULL,
    workspace_id bigint NOT NULL,
    events bigint NOT NULL
) WITH (fillfactor = 80);
INSERT INTO usage_daily_plain SELECT * FROM usage_daily;
DROP TABLE usage_daily;
ALTER TABLE usage_daily_plain RENAME TO usage_daily;
ALTER TABLE usage_daily ADD PRIMARY KEY (listing_id, day, workspace_id);

ALTER SEQUENCE install_events_id_seq OWNED BY NONE;
CREATE TABLE install_events_plain (
    id bigint NOT NULL DEFAULT nextval('install_events_id_seq') PRIMARY KEY,
    install_id bigint NOT NULL REFERENCES installs (id) ON DELETE CASCADE,
    workspace_id bigint NOT NULL,
    listing_id bigint NOT NULL,
    kind varchar(16) NOT NULL,
    actor_id bigint,
    source varchar(32) NOT NULL,
    created_at timestamptz NOT NULL
);
INSERT INTO install_events_plain SELECT * FROM install_events;
DROP TABLE install_events;
ALTER TABLE install_events_plain RENAME TO install_events;
ALTER INDEX install_events_plain_pkey RENAME TO install_events_pkey;
ALTER TABLE install_events RENAME CONSTRAINT install_events_plain_install_id_fkey TO install_events_install_id_fkey;
CREATE INDEX idx_install_events_listing_time ON install_events (listing_id, created_at);
CREATE INDEX idx_install_events_time ON install_events (created_at);
ALTER SEQUENCE install_events_id_seq OWNED BY install_events.id;
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager.get_connection().execute_unprepared(UP).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager.get_connection().execute_unprepared(DOWN).await?;
        Ok(())
    }
}
