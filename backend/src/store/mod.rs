//! Database access shared by several routes: lookups, list queries and the status log.
//! Rules live in `domain`, HTTP in `routes`; this layer only reads and writes rows.

pub mod audit;
pub mod categories;
pub mod deals;
pub mod installs;
pub mod integration_requests;
pub mod listings;
pub mod outbox;
pub mod partitions;
pub mod partners;
pub mod sitemap;
pub mod status_log;
pub mod users;
pub mod visibility;
pub mod workspaces;

/// Whether a database error is a unique-constraint violation (a slug or email taken by a
/// concurrent request between our check and our insert).
pub fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// For `map_err` on an insert: a unique-constraint violation becomes `conflict` (the name was
/// taken by a concurrent request between our check and our insert); other errors stay what
/// they are.
pub fn taken_as(
    conflict: impl FnOnce() -> crate::error::ApiError,
) -> impl FnOnce(sea_orm::DbErr) -> crate::error::ApiError {
    move |e| {
        if is_unique_violation(&e) {
            conflict()
        } else {
            e.into()
        }
    }
}

/// Numbered placeholders (`$1`, `$2`, …) for PostgreSQL; SQLite takes the `?` as written.
pub fn sql(backend: sea_orm::DatabaseBackend, template: &str) -> String {
    if backend != sea_orm::DatabaseBackend::Postgres {
        return template.to_string();
    }
    let mut out = String::with_capacity(template.len() + 8);
    let mut n = 0;
    for c in template.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

/// The rows of a raw query (`?` placeholders, see [`sql`]) as tuples, for reads sea-orm's
/// query builder does not express (aggregates over roll-ups, grouped counts).
pub async fn rows<T: sea_orm::TryGetableMany>(
    db: &impl sea_orm::ConnectionTrait,
    template: &str,
    values: Vec<sea_orm::Value>,
) -> crate::error::ApiResult<Vec<T>> {
    let backend = db.get_database_backend();
    let stmt = sea_orm::Statement::from_sql_and_values(backend, sql(backend, template), values);
    db.query_all(stmt)
        .await?
        .iter()
        .map(|r| {
            T::try_get_many_by_index(r)
                .map_err(|e| crate::error::ApiError::Unexpected(anyhow::anyhow!("{e:?}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use sea_orm::DatabaseBackend;

    #[test]
    fn numbered_placeholders_for_postgres() {
        assert_eq!(
            super::sql(DatabaseBackend::Postgres, "a = ? AND b = ?"),
            "a = $1 AND b = $2"
        );
        assert_eq!(super::sql(DatabaseBackend::Sqlite, "a = ?"), "a = ?");
    }
}
