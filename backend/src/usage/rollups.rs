//! The usage roll-ups and the compact form a batch waits in until it is folded into them.
//!
//! - `usage_daily` (listing, day, workspace → events): one row per workspace active with a
//!   listing on a day. DAU is a count of rows, WAU/MAU a count of distinct workspaces.
//! - `usage_last_seen` (listing, workspace → last day): the current MAU of every listing
//!   without counting distinct days.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement, Value};

/// (listing, day, workspace) → events.
pub type Daily = BTreeMap<(i64, i32, i64), i64>;
/// (listing, workspace) → last active day.
pub type LastSeen = BTreeMap<(i64, i64), i32>;

/// Bytes per encoded row: listing (8), day (4), workspace (8), events (8), little-endian.
const ROW_BYTES: usize = 28;

/// Rows per multi-row statement (4 values each: within every database's parameter limits).
const ROWS_PER_STATEMENT: usize = 2000;

/// Encodes a batch's counts for `usage_pending.rows`.
pub fn encode(daily: &Daily) -> Vec<u8> {
    let mut out = Vec::with_capacity(daily.len() * ROW_BYTES);
    for ((listing, day, workspace), events) in daily {
        out.extend_from_slice(&listing.to_le_bytes());
        out.extend_from_slice(&day.to_le_bytes());
        out.extend_from_slice(&workspace.to_le_bytes());
        out.extend_from_slice(&events.to_le_bytes());
    }
    out
}

/// Adds encoded counts to `into`. Fails on bytes that are not a whole number of rows.
pub fn decode_into(bytes: &[u8], into: &mut Daily) -> Result<(), String> {
    if !bytes.len().is_multiple_of(ROW_BYTES) {
        return Err(format!(
            "{} bytes are not a whole number of rows",
            bytes.len()
        ));
    }
    let i64_at =
        |row: &[u8], at: usize| i64::from_le_bytes(row[at..at + 8].try_into().expect("8 bytes"));
    for row in bytes.chunks_exact(ROW_BYTES) {
        let day = i32::from_le_bytes(row[8..12].try_into().expect("4 bytes"));
        *into
            .entry((i64_at(row, 0), day, i64_at(row, 12)))
            .or_default() += i64_at(row, 20);
    }
    Ok(())
}

/// The last active day of each (listing, workspace) in `daily`.
pub fn last_seen(daily: &Daily) -> LastSeen {
    let mut out = LastSeen::new();
    for (listing, day, workspace) in daily.keys() {
        let seen = out.entry((*listing, *workspace)).or_insert(*day);
        *seen = (*seen).max(*day);
    }
    out
}

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
/// key order (the maps are sorted), so concurrent writers lock rows in the same order and
/// cannot deadlock.
pub async fn write(
    db: &impl ConnectionTrait,
    daily: &Daily,
    last_seen: &LastSeen,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    if backend == DatabaseBackend::Postgres {
        return write_postgres(db, daily, last_seen).await;
    }
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

/// PostgreSQL takes each table's rows in one statement, as columns joined into text that
/// `unnest` turns back into rows: far cheaper to bind and plan than thousands of `VALUES`.
async fn write_postgres(
    db: &impl ConnectionTrait,
    daily: &Daily,
    last_seen: &LastSeen,
) -> Result<(), DbErr> {
    fn joined<T: std::fmt::Display>(values: impl Iterator<Item = T>) -> Value {
        let mut out = String::new();
        for (i, v) in values.enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&v.to_string());
        }
        out.into()
    }
    if !daily.is_empty() {
        let values = vec![
            joined(daily.keys().map(|k| k.0)),
            joined(daily.keys().map(|k| k.1)),
            joined(daily.keys().map(|k| k.2)),
            joined(daily.values()),
        ];
        db.execute(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "INSERT INTO usage_daily (listing_id, day, workspace_id, events) \
             SELECT * FROM unnest(string_to_array($1, ',')::bigint[], string_to_array($2, ',')::int[], \
             string_to_array($3, ',')::bigint[], string_to_array($4, ',')::bigint[]) \
             ON CONFLICT (listing_id, day, workspace_id) DO UPDATE SET events = usage_daily.events + excluded.events",
            values,
        ))
        .await?;
    }
    if !last_seen.is_empty() {
        let values = vec![
            joined(last_seen.keys().map(|k| k.0)),
            joined(last_seen.keys().map(|k| k.1)),
            joined(last_seen.values()),
        ];
        db.execute(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "INSERT INTO usage_last_seen (listing_id, workspace_id, last_day) \
             SELECT * FROM unnest(string_to_array($1, ',')::bigint[], string_to_array($2, ',')::bigint[], \
             string_to_array($3, ',')::int[]) \
             ON CONFLICT (listing_id, workspace_id) DO UPDATE SET last_day = excluded.last_day \
             WHERE excluded.last_day > usage_last_seen.last_day",
            values,
        ))
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

    #[test]
    fn encoded_counts_decode_and_add_up() {
        let batch: Daily = [
            ((7, 20_000, 42), 3),
            ((7, 20_001, 42), 1),
            ((-1, 0, i64::MAX), 5),
        ]
        .into_iter()
        .collect();
        let bytes = encode(&batch);
        assert_eq!(bytes.len(), 3 * ROW_BYTES);
        let mut merged = Daily::new();
        decode_into(&bytes, &mut merged).unwrap();
        decode_into(&bytes, &mut merged).unwrap();
        assert_eq!(merged[&(7, 20_000, 42)], 6);
        assert_eq!(merged[&(-1, 0, i64::MAX)], 10);
        assert!(decode_into(&bytes[..27], &mut merged).is_err());
    }

    #[test]
    fn last_seen_is_the_latest_day_per_pair() {
        let daily: Daily = [
            ((1, 10, 5), 1),
            ((1, 12, 5), 1),
            ((1, 11, 6), 1),
            ((2, 3, 5), 1),
        ]
        .into_iter()
        .collect();
        let seen = last_seen(&daily);
        assert_eq!(seen[&(1, 5)], 12);
        assert_eq!(seen[&(1, 6)], 11);
        assert_eq!(seen[&(2, 5)], 3);
    }
}
