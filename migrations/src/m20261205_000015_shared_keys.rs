//! What every node of a cluster must agree on lives in the database: the install-token signing
//! keys (sealed with the webhook key, which is configuration), and a fingerprint of each
//! configured secret (the JWT key, the webhook key) so a node started with another one is
//! refused instead of signing what the others cannot verify.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InstallKeys {
    Table,
    Kid,
    SealedPrivate,
    PublicKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum KeyChecks {
    Table,
    Name,
    Fingerprint,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InstallKeys::Table)
                    .col(string_len(InstallKeys::Kid, 64).primary_key())
                    // PKCS#8, sealed (AES-256-GCM) with the webhook key.
                    .col(text(InstallKeys::SealedPrivate))
                    // The raw Ed25519 public key, base64url: what the JWKS publishes.
                    .col(string_len(InstallKeys::PublicKey, 64))
                    .col(timestamp_with_time_zone(InstallKeys::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(KeyChecks::Table)
                    .col(string_len(KeyChecks::Name, 32).primary_key())
                    .col(string_len(KeyChecks::Fingerprint, 64))
                    .col(timestamp_with_time_zone(KeyChecks::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(KeyChecks::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(InstallKeys::Table).to_owned())
            .await
    }
}
