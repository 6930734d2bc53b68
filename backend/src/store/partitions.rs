//! The event history month by month, and its retention.
//!
//! On PostgreSQL `usage_daily` (by `day`) and `install_events` (by `created_at`) are range
//! partitioned by calendar month (migration `m20261205_000017_event_partitions`). The keeper
//! here, run by every node at start and hourly, under one transaction-scoped advisory lock (so
//! nodes take turns and the work is done once):
//!
//! - creates the months that may receive rows: the 14 before the current one (usage is
//!   accepted up to 400 days late), the current one and the next two; and any month the DEFAULT
//!   partition holds rows of (moving those rows into it). The DEFAULT partition catches a row of
//!   a month that has no partition yet, so no write ever fails for want of one;
//! - with a retention of N months, drops every month before the N before the current one —
//!   a whole table each, at the cost of a catalogue change rather than a delete of its rows.
//!
//! Install events before the cutoff are the history the churn report reads to know what each
//! workspace had installed when a window starts; before they go, each install's last event
//! before the cutoff is written again just before it (its *baseline*), so every report of a
//! window after the cutoff stays what it was.
//!
//! SQLite (one node, small) keeps plain tables and applies the same retention with DELETE.

use chrono::{DateTime, Datelike, Months, NaiveDate, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseTransaction, Statement, TransactionTrait};

use crate::analytics::days;
use crate::db::Db;

/// Months before the current one that must have a partition (usage is accepted 400 days late).
const MONTHS_BACK: u32 = 14;
/// Months after the current one created ahead of time.
const MONTHS_AHEAD: u32 = 2;
/// Serialises the keepers of all nodes (`pg_advisory_xact_lock`).
const LOCK_KEY: i64 = 0x6d65_7263_6174_6f01;

/// The partitioned tables: name, partition key column, how a month's bound is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Table {
    UsageDaily,
    InstallEvents,
}

impl Table {
    const ALL: [Table; 2] = [Table::UsageDaily, Table::InstallEvents];

    fn name(self) -> &'static str {
        match self {
            Table::UsageDaily => "usage_daily",
            Table::InstallEvents => "install_events",
        }
    }

    /// The partition key's value at the start of `month` (a first day), as SQL.
    fn bound(self, month: NaiveDate) -> String {
        match self {
            Table::UsageDaily => days::number(month).to_string(),
            Table::InstallEvents => format!("'{} 00:00:00+00'", month.format("%Y-%m-%d")),
        }
    }

    /// Storage parameters of a month's table (the roll-ups leave room for in-place updates).
    fn storage(self) -> &'static str {
        match self {
            Table::UsageDaily => " WITH (fillfactor = 80)",
            Table::InstallEvents => "",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Table::UsageDaily => "day",
            Table::InstallEvents => "created_at",
        }
    }

    fn partition(self, month: NaiveDate) -> String {
        format!("{}_p{}", self.name(), month.format("%Y%m"))
    }
}

/// What a round did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Kept {
    pub created: Vec<String>,
    pub dropped: Vec<String>,
    /// Rows deleted (SQLite, and rows of dropped months in the default partition).
    pub deleted: u64,
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d)
}

/// The first month kept with a retention of `months` (0: everything is kept).
pub fn cutoff(today: NaiveDate, months: u32) -> Option<NaiveDate> {
    (months > 0).then(|| first_of_month(today) - Months::new(months))
}

/// One round: partitions made ahead, months past the retention dropped.
pub async fn keep(db: &Db, now: DateTime<Utc>, retention_months: u32) -> anyhow::Result<Kept> {
    let cutoff = cutoff(now.date_naive(), retention_months);
    let txn = db.write.begin().await?;
    let mut kept = Kept::default();
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        exec(&txn, &format!("SELECT pg_advisory_xact_lock({LOCK_KEY})")).await?;
        if let Some(cutoff) = cutoff {
            carry_install_baselines(&txn, cutoff).await?;
            for table in Table::ALL {
                drop_before(&txn, table, cutoff, &mut kept).await?;
            }
        }
        let this_month = first_of_month(now.date_naive());
        for table in Table::ALL {
            let mut months: Vec<NaiveDate> = (0..=MONTHS_BACK)
                .map(|n| this_month - Months::new(n))
                .chain((1..=MONTHS_AHEAD).map(|n| this_month + Months::new(n)))
                .collect();
            months.extend(months_in_default(&txn, table).await?);
            months.sort();
            months.dedup();
            for month in months {
                if cutoff.is_some_and(|c| month < c) {
                    continue;
                }
                if create_month(&txn, table, month).await? {
                    kept.created.push(table.partition(month));
                }
            }
        }
    } else if let Some(cutoff) = cutoff {
        carry_install_baselines(&txn, cutoff).await?;
        let day = days::number(cutoff);
        kept.deleted += exec(&txn, &format!("DELETE FROM usage_daily WHERE day < {day}")).await?;
        kept.deleted += delete_install_events_before(&txn, cutoff).await?;
    }
    txn.commit().await?;
    if !kept.created.is_empty() || !kept.dropped.is_empty() || kept.deleted > 0 {
        tracing::info!(created = ?kept.created, dropped = ?kept.dropped, deleted = kept.deleted, "event history partitions kept");
    }
    Ok(kept)
}

/// Runs [`keep`] now and every hour, until the process ends.
pub async fn run(db: Db, clock: crate::clock::Clock, retention_months: u32) {
    loop {
        if let Err(e) = keep(&db, clock.now(), retention_months).await {
            tracing::error!(error = %format!("{e:#}"), "keeping the event history's partitions failed");
        }
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}

async fn exec(txn: &DatabaseTransaction, sql: &str) -> Result<u64, sea_orm::DbErr> {
    Ok(txn.execute_unprepared(sql).await?.rows_affected())
}

/// Creates `table`'s partition for `month` unless it exists, moving the default partition's
/// rows of that month into it first (attaching refuses a default partition holding any).
async fn create_month(
    txn: &DatabaseTransaction,
    table: Table,
    month: NaiveDate,
) -> Result<bool, sea_orm::DbErr> {
    let name = table.partition(month);
    let exists = txn
        .query_one(Statement::from_string(
            DatabaseBackend::Postgres,
            format!("SELECT to_regclass('{name}') IS NOT NULL"),
        ))
        .await?
        .map(|row| row.try_get_by_index::<bool>(0))
        .transpose()?
        .unwrap_or(false);
    if exists {
        return Ok(false);
    }
    let parent = table.name();
    let key = table.key();
    let (from, to) = (table.bound(month), table.bound(month + Months::new(1)));
    exec(
        txn,
        &format!(
            "CREATE TABLE {name} (LIKE {parent} INCLUDING DEFAULTS){storage}; \
             WITH moved AS (DELETE FROM {parent}_default WHERE {key} >= {from} AND {key} < {to} RETURNING *) \
             INSERT INTO {name} SELECT * FROM moved; \
             ALTER TABLE {parent} ATTACH PARTITION {name} FOR VALUES FROM ({from}) TO ({to});",
            storage = table.storage()
        ),
    )
    .await?;
    Ok(true)
}

/// The months the default partition holds rows of.
async fn months_in_default(
    txn: &DatabaseTransaction,
    table: Table,
) -> Result<Vec<NaiveDate>, sea_orm::DbErr> {
    let sql = match table {
        Table::UsageDaily => {
            "SELECT DISTINCT (DATE '1970-01-01' + day)::text FROM usage_daily_default".to_string()
        }
        Table::InstallEvents => {
            "SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date::text FROM install_events_default"
                .to_string()
        }
    };
    let rows = txn
        .query_all(Statement::from_string(DatabaseBackend::Postgres, sql))
        .await?;
    let mut months = Vec::new();
    for row in rows {
        let text: String = row.try_get_by_index(0)?;
        if let Ok(date) = NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            months.push(first_of_month(date));
        }
    }
    Ok(months)
}

/// Drops `table`'s monthly partitions that end on or before `cutoff`, and deletes the default
/// partition's rows before it.
async fn drop_before(
    txn: &DatabaseTransaction,
    table: Table,
    cutoff: NaiveDate,
    kept: &mut Kept,
) -> Result<(), sea_orm::DbErr> {
    let parent = table.name();
    let rows = txn
        .query_all(Statement::from_string(
            DatabaseBackend::Postgres,
            format!(
                "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
                 WHERE i.inhparent = '{parent}'::regclass"
            ),
        ))
        .await?;
    let prefix = format!("{parent}_p");
    for row in rows {
        let name: String = row.try_get_by_index(0)?;
        let Some(month) = name
            .strip_prefix(&prefix)
            .and_then(|ym| NaiveDate::parse_from_str(&format!("{ym}01"), "%Y%m%d").ok())
        else {
            continue;
        };
        if month + Months::new(1) <= cutoff {
            exec(txn, &format!("DROP TABLE {name}")).await?;
            kept.dropped.push(name);
        }
    }
    let key = table.key();
    let bound = table.bound(cutoff);
    kept.deleted += match table {
        Table::UsageDaily => {
            exec(
                txn,
                &format!("DELETE FROM {parent}_default WHERE {key} < {bound}"),
            )
            .await?
        }
        Table::InstallEvents => delete_install_events_before(txn, cutoff).await?,
    };
    Ok(())
}

/// The instant baselines are written at: just before the cutoff.
fn baseline_time(cutoff: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&cutoff.and_time(chrono::NaiveTime::MIN))
        - chrono::Duration::microseconds(1)
}

/// Before install events up to `cutoff` go: each install's last event before it, written again
/// at [`baseline_time`] (into a staging table; [`delete_install_events_before`] puts them back).
/// Nothing to do when only baselines of this cutoff are there.
async fn carry_install_baselines(
    txn: &DatabaseTransaction,
    cutoff: NaiveDate,
) -> Result<(), sea_orm::DbErr> {
    let at = baseline_time(cutoff);
    let backend = txn.get_database_backend();
    let older = txn
        .query_one(Statement::from_sql_and_values(
            backend,
            crate::store::sql(
                backend,
                "SELECT COUNT(*) FROM install_events WHERE created_at < ?",
            ),
            [at.into()],
        ))
        .await?
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    exec(
        txn,
        "CREATE TEMPORARY TABLE IF NOT EXISTS install_baselines \
         (install_id bigint, workspace_id bigint, listing_id bigint, kind varchar(16), source varchar(32))",
    )
    .await?;
    exec(txn, "DELETE FROM install_baselines").await?;
    if older == 0 {
        return Ok(());
    }
    txn.execute(Statement::from_sql_and_values(
        backend,
        crate::store::sql(
            backend,
            "INSERT INTO install_baselines \
             SELECT e.install_id, e.workspace_id, e.listing_id, e.kind, e.source FROM install_events e \
             WHERE e.created_at <= ? AND NOT EXISTS (SELECT 1 FROM install_events l \
               WHERE l.install_id = e.install_id AND l.created_at <= ? \
               AND (l.created_at > e.created_at OR (l.created_at = e.created_at AND l.id > e.id)))",
        ),
        [at.into(), at.into()],
    ))
    .await?;
    Ok(())
}

/// Deletes the install events before `cutoff` and writes back the baselines
/// [`carry_install_baselines`] staged.
async fn delete_install_events_before(
    txn: &DatabaseTransaction,
    cutoff: NaiveDate,
) -> Result<u64, sea_orm::DbErr> {
    let at = baseline_time(cutoff);
    let backend = txn.get_database_backend();
    let staged = txn
        .query_one(Statement::from_string(
            backend,
            "SELECT COUNT(*) FROM install_baselines".to_string(),
        ))
        .await?
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    if staged == 0 {
        return Ok(0);
    }
    let deleted = txn
        .execute(Statement::from_sql_and_values(
            backend,
            crate::store::sql(backend, "DELETE FROM install_events WHERE created_at <= ?"),
            [at.into()],
        ))
        .await?
        .rows_affected();
    txn.execute(Statement::from_sql_and_values(
        backend,
        crate::store::sql(
            backend,
            "INSERT INTO install_events (install_id, workspace_id, listing_id, kind, actor_id, source, created_at) \
             SELECT install_id, workspace_id, listing_id, kind, NULL, source, ? FROM install_baselines",
        ),
        [at.into()],
    ))
    .await?;
    exec(txn, "DELETE FROM install_baselines").await?;
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_keeps_whole_months_before_the_current_one() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(cutoff(today, 0), None);
        assert_eq!(cutoff(today, 14), NaiveDate::from_ymd_opt(2025, 10, 1));
        assert_eq!(
            Table::UsageDaily.partition(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
            "usage_daily_p202601"
        );
        assert_eq!(
            Table::InstallEvents.bound(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
            "'2026-01-01 00:00:00+00'"
        );
    }
}
