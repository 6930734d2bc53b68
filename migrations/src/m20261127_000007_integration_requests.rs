//! Integration requests: wishes for integrations that do not exist yet, with one vote per
//! person; when one ships, its consenting voters become leads for the listing's partner.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::common::id;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IntegrationRequests {
    Table,
    Id,
    Tool,
    ToolKey,
    UseCase,
    Votes,
    Status,
    ListingId,
    CreatedBy,
    CreatedAt,
    ShippedAt,
}

#[derive(DeriveIden)]
enum IntegrationRequestVotes {
    Table,
    Id,
    RequestId,
    VoterKey,
    UserId,
    Email,
    ContactName,
    CompanyName,
    CompanyDomain,
    Consent,
    IpHash,
    LeadId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Listings {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IntegrationRequests::Table)
                    .col(id(IntegrationRequests::Id))
                    .col(string_len(IntegrationRequests::Tool, 100))
                    // The tool's name folded (lowercase, single spaces): one open request each.
                    .col(string_len(IntegrationRequests::ToolKey, 100))
                    .col(text(IntegrationRequests::UseCase))
                    .col(big_integer(IntegrationRequests::Votes).default(0))
                    // open, shipped
                    .col(string_len(IntegrationRequests::Status, 16))
                    .col(big_integer_null(IntegrationRequests::ListingId))
                    .col(big_integer_null(IntegrationRequests::CreatedBy))
                    .col(timestamp_with_time_zone(IntegrationRequests::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        IntegrationRequests::ShippedAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(IntegrationRequests::Table, IntegrationRequests::ListingId)
                            .to(Listings::Table, Listings::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_integration_requests_votes")
                    .table(IntegrationRequests::Table)
                    .col(IntegrationRequests::Status)
                    .col(IntegrationRequests::Votes)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_integration_requests_tool")
                    .table(IntegrationRequests::Table)
                    .col(IntegrationRequests::ToolKey)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IntegrationRequestVotes::Table)
                    .col(id(IntegrationRequestVotes::Id))
                    .col(big_integer(IntegrationRequestVotes::RequestId))
                    // `user:<id>` or `email:<address>`: one vote per person.
                    .col(string_len(IntegrationRequestVotes::VoterKey, 330))
                    .col(big_integer_null(IntegrationRequestVotes::UserId))
                    .col(string_len(IntegrationRequestVotes::Email, 320))
                    .col(string_len_null(IntegrationRequestVotes::ContactName, 200))
                    .col(string_len_null(IntegrationRequestVotes::CompanyName, 200))
                    .col(string_len_null(IntegrationRequestVotes::CompanyDomain, 253))
                    .col(boolean(IntegrationRequestVotes::Consent))
                    .col(string_len(IntegrationRequestVotes::IpHash, 64))
                    .col(big_integer_null(IntegrationRequestVotes::LeadId))
                    .col(timestamp_with_time_zone(IntegrationRequestVotes::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                IntegrationRequestVotes::Table,
                                IntegrationRequestVotes::RequestId,
                            )
                            .to(IntegrationRequests::Table, IntegrationRequests::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_integration_request_votes_voter")
                    .table(IntegrationRequestVotes::Table)
                    .col(IntegrationRequestVotes::RequestId)
                    .col(IntegrationRequestVotes::VoterKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_integration_request_votes_ip")
                    .table(IntegrationRequestVotes::Table)
                    .col(IntegrationRequestVotes::IpHash)
                    .col(IntegrationRequestVotes::CreatedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IntegrationRequestVotes::Table.into_iden(),
            IntegrationRequests::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
