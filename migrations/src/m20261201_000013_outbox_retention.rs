//! Outbox retention that search indexes can rely on: the highest outbox id ever pruned (an
//! index whose checkpoint is below it missed changes and must be rebuilt), and on each index's
//! state when and why it was last rebuilt for that reason.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxWatermark {
    Table,
    Id,
    PrunedThrough,
}

#[derive(DeriveIden)]
enum SearchState {
    Table,
    RecoveredAt,
    Recovery,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OutboxWatermark::Table)
                    // A single row (id 1).
                    .col(integer(OutboxWatermark::Id).primary_key())
                    .col(big_integer(OutboxWatermark::PrunedThrough))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SearchState::Table)
                    .add_column(timestamp_with_time_zone_null(SearchState::RecoveredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SearchState::Table)
                    .add_column(string_len_null(SearchState::Recovery, 255))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [SearchState::RecoveredAt, SearchState::Recovery] {
            manager
                .alter_table(
                    Table::alter()
                        .table(SearchState::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(OutboxWatermark::Table).to_owned())
            .await
    }
}
