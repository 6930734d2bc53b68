//! Single sign-on: identities at providers linked to accounts, sign-ins in flight (state,
//! PKCE verifier, nonce), one-time hand-over codes, and partners' SSO requirements.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::common::{id, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

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

#[derive(DeriveIden)]
enum UserIdentities {
    Table,
    Id,
    UserId,
    Provider,
    Subject,
    Email,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum SsoLogins {
    Table,
    StateHash,
    Provider,
    SealedVerifier,
    Nonce,
    RedirectUri,
    ReturnTo,
    LinkUserId,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum SsoHandoffs {
    Table,
    CodeHash,
    UserId,
    Provider,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum PartnerSso {
    Table,
    PartnerId,
    Provider,
    Domain,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UserIdentities::Table)
                    .col(id(UserIdentities::Id))
                    .col(big_integer(UserIdentities::UserId))
                    .col(string_len(UserIdentities::Provider, 64))
                    // The provider's stable id for the person (`sub`, GitHub's numeric id).
                    .col(string_len(UserIdentities::Subject, 255))
                    .col(string_len(UserIdentities::Email, 320))
                    .col(timestamp_with_time_zone(UserIdentities::CreatedAt))
                    .col(timestamp_with_time_zone_null(UserIdentities::LastUsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserIdentities::Table, UserIdentities::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "idx_user_identities_subject",
                    UserIdentities::Table,
                    [UserIdentities::Provider, UserIdentities::Subject],
                )
                .unique()
                .take(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_user_identities_user",
                UserIdentities::Table,
                [UserIdentities::UserId],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SsoLogins::Table)
                    // SHA-256 of the `state` sent to the provider: single use, looked up once.
                    .col(string_len(SsoLogins::StateHash, 64).primary_key())
                    .col(string_len(SsoLogins::Provider, 64))
                    // The PKCE verifier, sealed like webhook secrets.
                    .col(text(SsoLogins::SealedVerifier))
                    .col(string_len(SsoLogins::Nonce, 64))
                    .col(string_len(SsoLogins::RedirectUri, 2048))
                    .col(string_len(SsoLogins::ReturnTo, 2048))
                    // Set when a signed-in account is linking the provider.
                    .col(big_integer_null(SsoLogins::LinkUserId))
                    .col(timestamp_with_time_zone(SsoLogins::ExpiresAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SsoHandoffs::Table)
                    // SHA-256 of the one-time code the web app exchanges for tokens.
                    .col(string_len(SsoHandoffs::CodeHash, 64).primary_key())
                    .col(big_integer(SsoHandoffs::UserId))
                    .col(string_len(SsoHandoffs::Provider, 64))
                    .col(timestamp_with_time_zone(SsoHandoffs::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SsoHandoffs::Table, SsoHandoffs::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PartnerSso::Table)
                    .col(big_integer(PartnerSso::PartnerId).primary_key())
                    .col(string_len(PartnerSso::Provider, 64))
                    .col(string_len(PartnerSso::Domain, 253))
                    .col(timestamp_with_time_zone(PartnerSso::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerSso::Table, PartnerSso::PartnerId)
                            .to(Partners::Table, Partners::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_partner_sso_domain",
                PartnerSso::Table,
                [PartnerSso::Domain],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PartnerSso::Table.into_iden(),
            SsoHandoffs::Table.into_iden(),
            SsoLogins::Table.into_iden(),
            UserIdentities::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
