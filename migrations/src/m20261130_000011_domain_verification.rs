//! Partner domain verification: a partner proves control of its website's domain by
//! publishing a token (a file under `/.well-known/` or a DNS TXT record). One row per partner
//! holds the proof being asked for and the state of its checks; `partners.verified_domain`
//! is the badge itself (set while the proof holds), so public reads need no join.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::common::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
    VerifiedDomain,
}

#[derive(DeriveIden)]
enum DomainVerifications {
    Table,
    PartnerId,
    Domain,
    Token,
    Method,
    CreatedAt,
    VerifiedAt,
    LastCheckedAt,
    LastResult,
    LastDetail,
    NextCheckAt,
    ConsecutiveFailures,
    LapsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Partners::Table)
                    .add_column(string_len_null(Partners::VerifiedDomain, 253))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DomainVerifications::Table)
                    .col(big_integer(DomainVerifications::PartnerId).primary_key())
                    .col(string_len(DomainVerifications::Domain, 253))
                    .col(string_len(DomainVerifications::Token, 64))
                    // `file` or `dns`.
                    .col(string_len(DomainVerifications::Method, 8))
                    .col(timestamp_with_time_zone(DomainVerifications::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        DomainVerifications::VerifiedAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        DomainVerifications::LastCheckedAt,
                    ))
                    // `verified` or the reason of the last failure.
                    .col(string_len_null(DomainVerifications::LastResult, 32))
                    .col(text_null(DomainVerifications::LastDetail))
                    // Set while verified: when the scheduler checks again.
                    .col(timestamp_with_time_zone_null(
                        DomainVerifications::NextCheckAt,
                    ))
                    .col(integer(DomainVerifications::ConsecutiveFailures).default(0))
                    .col(timestamp_with_time_zone_null(DomainVerifications::LapsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DomainVerifications::Table, DomainVerifications::PartnerId)
                            .to(Partners::Table, Partners::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_domain_verifications_next_check",
                DomainVerifications::Table,
                [DomainVerifications::NextCheckAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DomainVerifications::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Partners::Table)
                    .drop_column(Partners::VerifiedDomain)
                    .to_owned(),
            )
            .await
    }
}
