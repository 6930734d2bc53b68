//! Database access shared by several routes: lookups, list queries and the status log.
//! Rules live in `domain`, HTTP in `routes`; this layer only reads and writes rows.

pub mod categories;
pub mod installs;
pub mod listings;
pub mod outbox;
pub mod partners;
pub mod status_log;
pub mod usage;
pub mod users;
pub mod workspaces;

/// Whether a database error is a unique-constraint violation (a slug or email taken by a
/// concurrent request between our check and our insert).
pub fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
