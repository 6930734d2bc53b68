//! Workspaces (customer accounts) with members, installs with their append-only event log,
//! partner API keys, usage and funnel roll-ups, idempotent usage batches, and reviews.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::common::id;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
    Name,
    Domain,
    Plan,
    Status,
    ChurnedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WorkspaceMembers {
    Table,
    WorkspaceId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Installs {
    Table,
    Id,
    WorkspaceId,
    ListingId,
    Status,
    Source,
    UtmSource,
    UtmMedium,
    UtmCampaign,
    UtmTerm,
    UtmContent,
    InstalledBy,
    InstalledAt,
    UninstalledAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InstallEvents {
    Table,
    Id,
    InstallId,
    WorkspaceId,
    ListingId,
    Kind,
    ActorId,
    Source,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    PartnerId,
    Name,
    Prefix,
    SecretHash,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum UsageDaily {
    Table,
    ListingId,
    Day,
    WorkspaceId,
    Events,
}

#[derive(DeriveIden)]
enum UsageLastSeen {
    Table,
    ListingId,
    WorkspaceId,
    LastDay,
}

#[derive(DeriveIden)]
enum UsageBatches {
    Table,
    Id,
    ApiKeyId,
    IdempotencyKey,
    RequestHash,
    Response,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ListingDaily {
    Table,
    ListingId,
    Day,
    Source,
    Views,
    Clicks,
    Installs,
    Uninstalls,
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    ListingId,
    WorkspaceId,
    AuthorId,
    Rating,
    Body,
    Reply,
    ReplyAuthorId,
    RepliedAt,
    Hidden,
    HiddenReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Listings {
    Table,
    Id,
    ActiveInstalls,
    RatingSum,
    ReviewCount,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
}

fn fk(
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
    to: (impl IntoIden + 'static, impl IntoIden + 'static),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Workspaces::Table)
                    .col(id(Workspaces::Id))
                    .col(string_len(Workspaces::Name, 100))
                    .col(string_len_null(Workspaces::Domain, 253))
                    .col(string_len(Workspaces::Plan, 40))
                    .col(string_len(Workspaces::Status, 16))
                    .col(timestamp_with_time_zone_null(Workspaces::ChurnedAt))
                    .col(timestamp_with_time_zone(Workspaces::CreatedAt))
                    .col(timestamp_with_time_zone(Workspaces::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WorkspaceMembers::Table)
                    .col(big_integer(WorkspaceMembers::WorkspaceId))
                    .col(big_integer(WorkspaceMembers::UserId))
                    .col(string_len(WorkspaceMembers::Role, 16))
                    .col(timestamp_with_time_zone(WorkspaceMembers::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(WorkspaceMembers::WorkspaceId)
                            .col(WorkspaceMembers::UserId),
                    )
                    .foreign_key(&mut fk(
                        (WorkspaceMembers::Table, WorkspaceMembers::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        (WorkspaceMembers::Table, WorkspaceMembers::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_workspace_members_user")
                    .table(WorkspaceMembers::Table)
                    .col(WorkspaceMembers::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Installs::Table)
                    .col(id(Installs::Id))
                    .col(big_integer(Installs::WorkspaceId))
                    .col(big_integer(Installs::ListingId))
                    .col(string_len(Installs::Status, 16))
                    .col(string_len(Installs::Source, 32))
                    .col(string_len_null(Installs::UtmSource, 100))
                    .col(string_len_null(Installs::UtmMedium, 100))
                    .col(string_len_null(Installs::UtmCampaign, 100))
                    .col(string_len_null(Installs::UtmTerm, 100))
                    .col(string_len_null(Installs::UtmContent, 100))
                    .col(big_integer_null(Installs::InstalledBy))
                    .col(timestamp_with_time_zone(Installs::InstalledAt))
                    .col(timestamp_with_time_zone_null(Installs::UninstalledAt))
                    .col(timestamp_with_time_zone(Installs::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Installs::Table, Installs::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        (Installs::Table, Installs::ListingId),
                        (Listings::Table, Listings::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_installs_workspace_listing")
                    .table(Installs::Table)
                    .col(Installs::WorkspaceId)
                    .col(Installs::ListingId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_installs_listing")
                    .table(Installs::Table)
                    .col(Installs::ListingId)
                    .col(Installs::Status)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(InstallEvents::Table)
                    .col(id(InstallEvents::Id))
                    .col(big_integer(InstallEvents::InstallId))
                    .col(big_integer(InstallEvents::WorkspaceId))
                    .col(big_integer(InstallEvents::ListingId))
                    .col(string_len(InstallEvents::Kind, 16))
                    .col(big_integer_null(InstallEvents::ActorId))
                    .col(string_len(InstallEvents::Source, 32))
                    .col(timestamp_with_time_zone(InstallEvents::CreatedAt))
                    .foreign_key(&mut fk(
                        (InstallEvents::Table, InstallEvents::InstallId),
                        (Installs::Table, Installs::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_install_events_listing_time")
                    .table(InstallEvents::Table)
                    .col(InstallEvents::ListingId)
                    .col(InstallEvents::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_install_events_time")
                    .table(InstallEvents::Table)
                    .col(InstallEvents::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(id(ApiKeys::Id))
                    .col(big_integer(ApiKeys::PartnerId))
                    .col(string_len(ApiKeys::Name, 100))
                    .col(string_len(ApiKeys::Prefix, 16))
                    .col(string_len_uniq(ApiKeys::SecretHash, 64))
                    .col(big_integer_null(ApiKeys::CreatedBy))
                    .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                    .foreign_key(&mut fk(
                        (ApiKeys::Table, ApiKeys::PartnerId),
                        (Partners::Table, Partners::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        // One row per listing, day and active workspace: the exact roll-up behind DAU, WAU and
        // MAU (distinct workspaces over any set of days).
        manager
            .create_table(
                Table::create()
                    .table(UsageDaily::Table)
                    .col(big_integer(UsageDaily::ListingId))
                    .col(integer(UsageDaily::Day))
                    .col(big_integer(UsageDaily::WorkspaceId))
                    .col(big_integer(UsageDaily::Events))
                    .primary_key(
                        Index::create()
                            .col(UsageDaily::ListingId)
                            .col(UsageDaily::Day)
                            .col(UsageDaily::WorkspaceId),
                    )
                    .to_owned(),
            )
            .await?;
        // The latest active day of each workspace with each listing: the current MAU of every
        // listing without counting distinct days.
        manager
            .create_table(
                Table::create()
                    .table(UsageLastSeen::Table)
                    .col(big_integer(UsageLastSeen::ListingId))
                    .col(big_integer(UsageLastSeen::WorkspaceId))
                    .col(integer(UsageLastSeen::LastDay))
                    .primary_key(
                        Index::create()
                            .col(UsageLastSeen::ListingId)
                            .col(UsageLastSeen::WorkspaceId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_usage_last_seen_day")
                    .table(UsageLastSeen::Table)
                    .col(UsageLastSeen::LastDay)
                    .col(UsageLastSeen::ListingId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UsageBatches::Table)
                    .col(id(UsageBatches::Id))
                    .col(big_integer(UsageBatches::ApiKeyId))
                    .col(string_len(UsageBatches::IdempotencyKey, 200))
                    .col(string_len(UsageBatches::RequestHash, 64))
                    .col(text(UsageBatches::Response))
                    .col(timestamp_with_time_zone(UsageBatches::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_usage_batches_key")
                    .table(UsageBatches::Table)
                    .col(UsageBatches::ApiKeyId)
                    .col(UsageBatches::IdempotencyKey)
                    .unique()
                    .to_owned(),
            )
            .await?;

        // Views, install-button clicks, installs and uninstalls per listing, day and source.
        manager
            .create_table(
                Table::create()
                    .table(ListingDaily::Table)
                    .col(big_integer(ListingDaily::ListingId))
                    .col(integer(ListingDaily::Day))
                    .col(string_len(ListingDaily::Source, 32))
                    .col(big_integer(ListingDaily::Views).default(0))
                    .col(big_integer(ListingDaily::Clicks).default(0))
                    .col(big_integer(ListingDaily::Installs).default(0))
                    .col(big_integer(ListingDaily::Uninstalls).default(0))
                    .primary_key(
                        Index::create()
                            .col(ListingDaily::ListingId)
                            .col(ListingDaily::Day)
                            .col(ListingDaily::Source),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Reviews::Table)
                    .col(id(Reviews::Id))
                    .col(big_integer(Reviews::ListingId))
                    .col(big_integer(Reviews::WorkspaceId))
                    .col(big_integer_null(Reviews::AuthorId))
                    .col(small_integer(Reviews::Rating))
                    .col(text(Reviews::Body))
                    .col(text_null(Reviews::Reply))
                    .col(big_integer_null(Reviews::ReplyAuthorId))
                    .col(timestamp_with_time_zone_null(Reviews::RepliedAt))
                    .col(boolean(Reviews::Hidden).default(false))
                    .col(text_null(Reviews::HiddenReason))
                    .col(timestamp_with_time_zone(Reviews::CreatedAt))
                    .col(timestamp_with_time_zone(Reviews::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Reviews::Table, Reviews::ListingId),
                        (Listings::Table, Listings::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        (Reviews::Table, Reviews::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_reviews_listing_workspace")
                    .table(Reviews::Table)
                    .col(Reviews::ListingId)
                    .col(Reviews::WorkspaceId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        // Counters kept on the listing in the same transaction as the change (one ALTER each:
        // SQLite takes one change per statement).
        for column in [
            big_integer(Listings::ActiveInstalls).default(0).take(),
            big_integer(Listings::RatingSum).default(0).take(),
            big_integer(Listings::ReviewCount).default(0).take(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Listings::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        let _ = Listings::Id;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Listings::ReviewCount,
            Listings::RatingSum,
            Listings::ActiveInstalls,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Listings::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            Reviews::Table.into_iden(),
            ListingDaily::Table.into_iden(),
            UsageBatches::Table.into_iden(),
            UsageLastSeen::Table.into_iden(),
            UsageDaily::Table.into_iden(),
            ApiKeys::Table.into_iden(),
            InstallEvents::Table.into_iden(),
            Installs::Table.into_iden(),
            WorkspaceMembers::Table.into_iden(),
            Workspaces::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
