//! A fencing token on the search index's writer lease: it grows each time the lease changes
//! hands, and every write under the lease names it, so a process whose lease was taken over
//! (it stalled past the lease) cannot write any more.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SearchState {
    Table,
    LeaseToken,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SearchState::Table)
                    .add_column(big_integer(SearchState::LeaseToken).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SearchState::Table)
                    .drop_column(SearchState::LeaseToken)
                    .to_owned(),
            )
            .await
    }
}
