//! The audit log: security-relevant and administrative actions (who, when, from where, what,
//! on what), appended in the same transaction as the action, read by marketplace admins.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::common::{id, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    Action,
    SubjectKind,
    Subject,
    Details,
    Ip,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(id(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    // No foreign key: the log outlives what it names.
                    .col(big_integer_null(AuditLog::ActorId))
                    .col(string_len(AuditLog::Action, 64))
                    .col(string_len(AuditLog::SubjectKind, 32))
                    // An id or a slug (an email for failed sign-ins); none for singletons.
                    .col(string_len_null(AuditLog::Subject, 320))
                    // JSON: what changed (from, to, names).
                    .col(text(AuditLog::Details))
                    .col(string_len_null(AuditLog::Ip, 64))
                    .to_owned(),
            )
            .await?;
        // Newest first is `id DESC`; each filter has its index ending in the id.
        for (name, columns) in [
            ("idx_audit_log_action", vec![AuditLog::Action, AuditLog::Id]),
            ("idx_audit_log_actor", vec![AuditLog::ActorId, AuditLog::Id]),
            (
                "idx_audit_log_subject",
                vec![AuditLog::SubjectKind, AuditLog::Subject, AuditLog::Id],
            ),
        ] {
            manager
                .create_index(index(name, AuditLog::Table, columns))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await
    }
}
