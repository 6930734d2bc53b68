//! Where each search index is in the outbox (its checkpoint), and which process may write to
//! it (a lease, for a shared engine written by one instance at a time).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SearchState {
    Table,
    Identity,
    LastOutboxId,
    LeaseOwner,
    LeaseUntil,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchState::Table)
                    .col(string_len(SearchState::Identity, 255).primary_key())
                    .col(big_integer(SearchState::LastOutboxId))
                    .col(string_len_null(SearchState::LeaseOwner, 64))
                    .col(timestamp_with_time_zone_null(SearchState::LeaseUntil))
                    .col(timestamp_with_time_zone(SearchState::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SearchState::Table).to_owned())
            .await
    }
}
