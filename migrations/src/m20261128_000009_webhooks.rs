//! Signed webhooks: partner endpoints (secret encrypted at rest), one delivery row per event
//! and endpoint (the retry timer is a row, like the lead SLA), every attempt logged, and the
//! notices a partner gets when an endpoint is switched off.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::common::id;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    PartnerId,
    Url,
    Description,
    Events,
    SecretSealed,
    Status,
    DisabledReason,
    DisabledAt,
    FailingSince,
    ConsecutiveFailures,
    LastSuccessAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    EndpointId,
    EventType,
    EventId,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseOwner,
    LeaseUntil,
    LastStatusCode,
    LastError,
    RedeliveryOf,
    CreatedAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    At,
    StatusCode,
    LatencyMs,
    Error,
    ResponseExcerpt,
}

#[derive(DeriveIden)]
enum PartnerNotices {
    Table,
    Id,
    PartnerId,
    Kind,
    Message,
    EndpointId,
    CreatedAt,
    ReadAt,
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
                    .table(WebhookEndpoints::Table)
                    .col(id(WebhookEndpoints::Id))
                    .col(big_integer(WebhookEndpoints::PartnerId))
                    .col(string_len(WebhookEndpoints::Url, 2048))
                    .col(string_len(WebhookEndpoints::Description, 200))
                    // JSON array of event types
                    .col(text(WebhookEndpoints::Events))
                    // AES-256-GCM: version, nonce and ciphertext, base64
                    .col(text(WebhookEndpoints::SecretSealed))
                    // active, disabled
                    .col(string_len(WebhookEndpoints::Status, 16))
                    .col(string_len_null(WebhookEndpoints::DisabledReason, 500))
                    .col(timestamp_with_time_zone_null(WebhookEndpoints::DisabledAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookEndpoints::FailingSince,
                    ))
                    .col(integer(WebhookEndpoints::ConsecutiveFailures).default(0))
                    .col(timestamp_with_time_zone_null(
                        WebhookEndpoints::LastSuccessAt,
                    ))
                    .col(big_integer_null(WebhookEndpoints::CreatedBy))
                    .col(timestamp_with_time_zone(WebhookEndpoints::CreatedAt))
                    .col(timestamp_with_time_zone(WebhookEndpoints::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebhookEndpoints::Table, WebhookEndpoints::PartnerId)
                            .to(Partners::Table, Partners::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_endpoints_partner")
                    .table(WebhookEndpoints::Table)
                    .col(WebhookEndpoints::PartnerId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(id(WebhookDeliveries::Id))
                    .col(big_integer(WebhookDeliveries::EndpointId))
                    .col(string_len(WebhookDeliveries::EventType, 40))
                    // The same for every endpoint (and redelivery) of one event: receivers
                    // deduplicate on it.
                    .col(string_len(WebhookDeliveries::EventId, 36))
                    // The exact bytes that are signed and sent.
                    .col(text(WebhookDeliveries::Payload))
                    // pending, delivered, failed
                    .col(string_len(WebhookDeliveries::Status, 16))
                    .col(integer(WebhookDeliveries::Attempts).default(0))
                    .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                    // A worker's claim: until it expires, no other worker sends the delivery.
                    .col(string_len_null(WebhookDeliveries::LeaseOwner, 40))
                    .col(timestamp_with_time_zone_null(WebhookDeliveries::LeaseUntil))
                    .col(integer_null(WebhookDeliveries::LastStatusCode))
                    .col(string_len_null(WebhookDeliveries::LastError, 500))
                    .col(big_integer_null(WebhookDeliveries::RedeliveryOf))
                    .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::DeliveredAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebhookDeliveries::Table, WebhookDeliveries::EndpointId)
                            .to(WebhookEndpoints::Table, WebhookEndpoints::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_webhook_deliveries_due",
                vec![WebhookDeliveries::Status, WebhookDeliveries::NextAttemptAt],
            ),
            (
                "idx_webhook_deliveries_endpoint",
                vec![WebhookDeliveries::EndpointId, WebhookDeliveries::Id],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(WebhookDeliveries::Table);
            for c in columns {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempts::Table)
                    .col(id(WebhookAttempts::Id))
                    .col(big_integer(WebhookAttempts::DeliveryId))
                    .col(timestamp_with_time_zone(WebhookAttempts::At))
                    .col(integer_null(WebhookAttempts::StatusCode))
                    .col(integer(WebhookAttempts::LatencyMs))
                    .col(string_len_null(WebhookAttempts::Error, 500))
                    .col(string_len_null(WebhookAttempts::ResponseExcerpt, 1024))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebhookAttempts::Table, WebhookAttempts::DeliveryId)
                            .to(WebhookDeliveries::Table, WebhookDeliveries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_attempts_delivery")
                    .table(WebhookAttempts::Table)
                    .col(WebhookAttempts::DeliveryId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PartnerNotices::Table)
                    .col(id(PartnerNotices::Id))
                    .col(big_integer(PartnerNotices::PartnerId))
                    .col(string_len(PartnerNotices::Kind, 40))
                    .col(text(PartnerNotices::Message))
                    .col(big_integer_null(PartnerNotices::EndpointId))
                    .col(timestamp_with_time_zone(PartnerNotices::CreatedAt))
                    .col(timestamp_with_time_zone_null(PartnerNotices::ReadAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerNotices::Table, PartnerNotices::PartnerId)
                            .to(Partners::Table, Partners::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_partner_notices_partner")
                    .table(PartnerNotices::Table)
                    .col(PartnerNotices::PartnerId)
                    .col(PartnerNotices::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PartnerNotices::Table.into_iden(),
            WebhookAttempts::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            WebhookEndpoints::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
