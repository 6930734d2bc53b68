//! Accounts, sessions, partners with members, categories, listings with revisions and the
//! status-change log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::common::id;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    DisplayName,
    Role,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    FamilyId,
    TokenHash,
    ExpiresAt,
    CreatedAt,
    UsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
    Slug,
    Name,
    Website,
    LogoUrl,
    Description,
    Motions,
    Regions,
    Tier,
    Certifications,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PartnerMembers {
    Table,
    PartnerId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
    Slug,
    Name,
    Description,
    Position,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Listings {
    Table,
    Id,
    Slug,
    PartnerId,
    Status,
    Name,
    Tagline,
    Description,
    UseCases,
    Screenshots,
    VideoUrl,
    InstallUrl,
    PricingModel,
    PricingDetails,
    SupportUrl,
    DocumentationUrl,
    PrivacyPolicyUrl,
    Badges,
    MonthlyInstalls,
    ReviewNote,
    SubmittedAt,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ListingCategories {
    Table,
    ListingId,
    CategoryId,
}

#[derive(DeriveIden)]
enum ListingRevisions {
    Table,
    Id,
    ListingId,
    Number,
    State,
    Content,
    ReviewNote,
    AuthorId,
    SubmittedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StatusChanges {
    Table,
    Id,
    Subject,
    PartnerId,
    ListingId,
    RevisionNumber,
    FromStatus,
    ToStatus,
    ActorId,
    Note,
    CreatedAt,
}

fn created_updated<T: IntoIden>(created: T, updated: T) -> [ColumnDef; 2] {
    [
        timestamp_with_time_zone(created),
        timestamp_with_time_zone(updated),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let [created, updated] = created_updated(Users::CreatedAt, Users::UpdatedAt);
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(id(Users::Id))
                    .col(string_len_uniq(Users::Email, 254))
                    .col(string_null(Users::PasswordHash))
                    .col(string_len(Users::DisplayName, 100))
                    .col(string_len(Users::Role, 16).default("customer"))
                    .col(created)
                    .col(updated)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(id(RefreshTokens::Id))
                    .col(big_integer(RefreshTokens::UserId))
                    .col(string_len(RefreshTokens::FamilyId, 36))
                    .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                    .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RefreshTokens::Table, RefreshTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_refresh_tokens_family")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::FamilyId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_refresh_tokens_user")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::UserId)
                    .to_owned(),
            )
            .await?;

        let [created, updated] = created_updated(Partners::CreatedAt, Partners::UpdatedAt);
        manager
            .create_table(
                Table::create()
                    .table(Partners::Table)
                    .col(id(Partners::Id))
                    .col(string_len_uniq(Partners::Slug, 100))
                    .col(string_len(Partners::Name, 100))
                    .col(string_len_null(Partners::Website, 2048))
                    .col(string_len_null(Partners::LogoUrl, 2048))
                    .col(text(Partners::Description))
                    .col(json(Partners::Motions))
                    .col(json(Partners::Regions))
                    .col(string_len(Partners::Tier, 16))
                    .col(json(Partners::Certifications))
                    .col(string_len(Partners::Status, 16))
                    .col(created)
                    .col(updated)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_partners_status")
                    .table(Partners::Table)
                    .col(Partners::Status)
                    .col(Partners::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PartnerMembers::Table)
                    .col(big_integer(PartnerMembers::PartnerId))
                    .col(big_integer(PartnerMembers::UserId))
                    .col(string_len(PartnerMembers::Role, 16))
                    .col(timestamp_with_time_zone(PartnerMembers::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(PartnerMembers::PartnerId)
                            .col(PartnerMembers::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerMembers::Table, PartnerMembers::PartnerId)
                            .to(Partners::Table, Partners::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerMembers::Table, PartnerMembers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_partner_members_user")
                    .table(PartnerMembers::Table)
                    .col(PartnerMembers::UserId)
                    .to_owned(),
            )
            .await?;

        let [created, updated] = created_updated(Categories::CreatedAt, Categories::UpdatedAt);
        manager
            .create_table(
                Table::create()
                    .table(Categories::Table)
                    .col(id(Categories::Id))
                    .col(string_len_uniq(Categories::Slug, 100))
                    .col(string_len(Categories::Name, 100))
                    .col(text(Categories::Description))
                    .col(integer(Categories::Position).default(0))
                    .col(created)
                    .col(updated)
                    .to_owned(),
            )
            .await?;

        let [created, updated] = created_updated(Listings::CreatedAt, Listings::UpdatedAt);
        manager
            .create_table(
                Table::create()
                    .table(Listings::Table)
                    .col(id(Listings::Id))
                    .col(string_len_uniq(Listings::Slug, 100))
                    .col(big_integer(Listings::PartnerId))
                    .col(string_len(Listings::Status, 20))
                    .col(string_len(Listings::Name, 100))
                    .col(string_len(Listings::Tagline, 200))
                    .col(text(Listings::Description))
                    .col(json(Listings::UseCases))
                    .col(json(Listings::Screenshots))
                    .col(string_len_null(Listings::VideoUrl, 2048))
                    .col(string_len_null(Listings::InstallUrl, 2048))
                    .col(string_len(Listings::PricingModel, 16))
                    .col(text_null(Listings::PricingDetails))
                    .col(string_len_null(Listings::SupportUrl, 2048))
                    .col(string_len_null(Listings::DocumentationUrl, 2048))
                    .col(string_len_null(Listings::PrivacyPolicyUrl, 2048))
                    .col(json(Listings::Badges))
                    .col(big_integer(Listings::MonthlyInstalls).default(0))
                    .col(text_null(Listings::ReviewNote))
                    .col(timestamp_with_time_zone_null(Listings::SubmittedAt))
                    .col(timestamp_with_time_zone_null(Listings::PublishedAt))
                    .col(created)
                    .col(updated)
                    .foreign_key(
                        ForeignKey::create()
                            .from(Listings::Table, Listings::PartnerId)
                            .to(Partners::Table, Partners::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // Public lists: published listings by popularity, paged by (installs, id).
        manager
            .create_index(
                Index::create()
                    .name("idx_listings_status_popularity")
                    .table(Listings::Table)
                    .col(Listings::Status)
                    .col(Listings::MonthlyInstalls)
                    .col(Listings::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_listings_partner")
                    .table(Listings::Table)
                    .col(Listings::PartnerId)
                    .col(Listings::Status)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ListingCategories::Table)
                    .col(big_integer(ListingCategories::ListingId))
                    .col(big_integer(ListingCategories::CategoryId))
                    .primary_key(
                        Index::create()
                            .col(ListingCategories::ListingId)
                            .col(ListingCategories::CategoryId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ListingCategories::Table, ListingCategories::ListingId)
                            .to(Listings::Table, Listings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ListingCategories::Table, ListingCategories::CategoryId)
                            .to(Categories::Table, Categories::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_listing_categories_category")
                    .table(ListingCategories::Table)
                    .col(ListingCategories::CategoryId)
                    .col(ListingCategories::ListingId)
                    .to_owned(),
            )
            .await?;

        let [created, updated] =
            created_updated(ListingRevisions::CreatedAt, ListingRevisions::UpdatedAt);
        manager
            .create_table(
                Table::create()
                    .table(ListingRevisions::Table)
                    .col(id(ListingRevisions::Id))
                    .col(big_integer(ListingRevisions::ListingId))
                    .col(integer(ListingRevisions::Number))
                    .col(string_len(ListingRevisions::State, 20))
                    .col(json(ListingRevisions::Content))
                    .col(text_null(ListingRevisions::ReviewNote))
                    .col(big_integer_null(ListingRevisions::AuthorId))
                    .col(timestamp_with_time_zone_null(ListingRevisions::SubmittedAt))
                    .col(created)
                    .col(updated)
                    .foreign_key(
                        ForeignKey::create()
                            .from(ListingRevisions::Table, ListingRevisions::ListingId)
                            .to(Listings::Table, Listings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ListingRevisions::Table, ListingRevisions::AuthorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_listing_revisions_number")
                    .table(ListingRevisions::Table)
                    .col(ListingRevisions::ListingId)
                    .col(ListingRevisions::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_listing_revisions_state")
                    .table(ListingRevisions::Table)
                    .col(ListingRevisions::State)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StatusChanges::Table)
                    .col(id(StatusChanges::Id))
                    .col(string_len(StatusChanges::Subject, 16))
                    .col(big_integer_null(StatusChanges::PartnerId))
                    .col(big_integer_null(StatusChanges::ListingId))
                    .col(integer_null(StatusChanges::RevisionNumber))
                    .col(string_len_null(StatusChanges::FromStatus, 20))
                    .col(string_len(StatusChanges::ToStatus, 20))
                    .col(big_integer_null(StatusChanges::ActorId))
                    .col(text_null(StatusChanges::Note))
                    .col(timestamp_with_time_zone(StatusChanges::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StatusChanges::Table, StatusChanges::PartnerId)
                            .to(Partners::Table, Partners::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StatusChanges::Table, StatusChanges::ListingId)
                            .to(Listings::Table, Listings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StatusChanges::Table, StatusChanges::ActorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_status_changes_listing")
                    .table(StatusChanges::Table)
                    .col(StatusChanges::ListingId)
                    .col(StatusChanges::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_status_changes_partner")
                    .table(StatusChanges::Table)
                    .col(StatusChanges::PartnerId)
                    .col(StatusChanges::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            StatusChanges::Table.into_iden(),
            ListingRevisions::Table.into_iden(),
            ListingCategories::Table.into_iden(),
            Listings::Table.into_iden(),
            Categories::Table.into_iden(),
            PartnerMembers::Table.into_iden(),
            Partners::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
