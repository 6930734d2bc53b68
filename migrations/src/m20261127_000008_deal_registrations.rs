//! Deal registrations: a partner claims an opportunity at an account; while one is active,
//! another partner's registration for the same account is a conflict for admins.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::common::id;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DealRegistrations {
    Table,
    Id,
    PartnerId,
    AccountDomain,
    AccountName,
    Value,
    ExpectedClose,
    Notes,
    Status,
    ConflictWith,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DealRegistrations::Table)
                    .col(id(DealRegistrations::Id))
                    .col(big_integer(DealRegistrations::PartnerId))
                    .col(string_len(DealRegistrations::AccountDomain, 253))
                    .col(string_len(DealRegistrations::AccountName, 200))
                    // Whole currency units.
                    .col(big_integer(DealRegistrations::Value))
                    .col(date(DealRegistrations::ExpectedClose))
                    .col(text(DealRegistrations::Notes))
                    // active, conflict, won, lost, withdrawn
                    .col(string_len(DealRegistrations::Status, 16))
                    .col(big_integer_null(DealRegistrations::ConflictWith))
                    .col(big_integer_null(DealRegistrations::CreatedBy))
                    .col(timestamp_with_time_zone(DealRegistrations::CreatedAt))
                    .col(timestamp_with_time_zone(DealRegistrations::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DealRegistrations::Table, DealRegistrations::PartnerId)
                            .to(Partners::Table, Partners::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_deal_registrations_account",
                [DealRegistrations::AccountDomain, DealRegistrations::Status],
            ),
            (
                "idx_deal_registrations_partner",
                [DealRegistrations::PartnerId, DealRegistrations::Status],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(DealRegistrations::Table);
            for c in columns {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DealRegistrations::Table).to_owned())
            .await
    }
}
