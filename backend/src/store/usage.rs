//! Writing the usage roll-ups.

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, Value};

use crate::error::ApiResult;
use crate::usage_writer::{Daily, LastSeen};

/// Rows per multi-row statement (4 values each: well within every database's limits).
const ROWS_PER_STATEMENT: usize = 1000;

pub fn placeholders(backend: DatabaseBackend, rows: usize, columns: usize) -> String {
    let mut out = String::with_capacity(rows * columns * 5);
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            out.push(',');
        }
        out.push('(');
        for c in 0..columns {
            if c > 0 {
                out.push(',');
            }
            n += 1;
            match backend {
                DatabaseBackend::Postgres => out.push_str(&format!("${n}")),
                _ => out.push('?'),
            }
        }
        out.push(')');
    }
    out
}

/// Adds (listing, day, workspace) event counts and last-seen days to the roll-ups. Rows go in
/// key order, so concurrent writers lock rows in the same order and cannot deadlock.
pub async fn write_rollups(
    db: &impl ConnectionTrait,
    daily: &Daily,
    last_seen: &LastSeen,
) -> ApiResult<()> {
    let backend = db.get_database_backend();
    let daily: Vec<_> = daily.iter().collect();
    for chunk in daily.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO usage_daily (listing_id, day, workspace_id, events) VALUES {} \
             ON CONFLICT (listing_id, day, workspace_id) DO UPDATE SET events = usage_daily.events + excluded.events",
            placeholders(backend, chunk.len(), 4)
        );
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 4);
        for ((listing, day, workspace), events) in chunk {
            values.extend([
                (*listing).into(),
                (*day).into(),
                (*workspace).into(),
                (**events).into(),
            ]);
        }
        db.execute(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    let last: Vec<_> = last_seen.iter().collect();
    for chunk in last.chunks(ROWS_PER_STATEMENT) {
        // Only a later day changes the row (an unchanged row is not rewritten).
        let sql = format!(
            "INSERT INTO usage_last_seen (listing_id, workspace_id, last_day) VALUES {} \
             ON CONFLICT (listing_id, workspace_id) DO UPDATE SET last_day = excluded.last_day \
             WHERE excluded.last_day > usage_last_seen.last_day",
            placeholders(backend, chunk.len(), 3)
        );
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 3);
        for ((listing, workspace), day) in chunk {
            values.extend([(*listing).into(), (*workspace).into(), (**day).into()]);
        }
        db.execute(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_per_backend() {
        assert_eq!(placeholders(DatabaseBackend::Sqlite, 2, 2), "(?,?),(?,?)");
        assert_eq!(
            placeholders(DatabaseBackend::Postgres, 2, 2),
            "($1,$2),($3,$4)"
        );
    }
}
