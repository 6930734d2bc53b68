//! Request rate limits shared by the nodes of a cluster (PostgreSQL): one token bucket per
//! caller (`address:…`, `account:…`, `key:…`), from which nodes lease slices.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RateBuckets {
    Table,
    Caller,
    Tokens,
    RefilledAt,
    LastGrant,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RateBuckets::Table)
                    .col(string_len(RateBuckets::Caller, 80).primary_key())
                    .col(double(RateBuckets::Tokens))
                    .col(timestamp_with_time_zone(RateBuckets::RefilledAt))
                    // What the last lease took (the statement that takes it returns it).
                    .col(double(RateBuckets::LastGrant))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(crate::common::index(
                "rate_buckets_refilled_at",
                RateBuckets::Table,
                [RateBuckets::RefilledAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RateBuckets::Table).to_owned())
            .await
    }
}
