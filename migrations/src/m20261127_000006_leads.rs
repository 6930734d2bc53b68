//! Demand capture and routing: the admins' routing rules, leads, and every routing decision
//! with its reasons.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::common::id;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RoutingRules {
    Table,
    Id,
    Rules,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Leads {
    Table,
    Id,
    Kind,
    ListingId,
    Category,
    Region,
    ContactName,
    Email,
    CompanyName,
    CompanyDomain,
    Message,
    Consent,
    Status,
    PartnerId,
    RoutedAt,
    SlaDueAt,
    Decision,
    AcceptedAt,
    ClosedAt,
    DealValue,
    LostReason,
    MergedCount,
    SubmittedBy,
    IpHash,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LeadRoutes {
    Table,
    Id,
    LeadId,
    PartnerId,
    Reason,
    Outcome,
    RoutedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum LeadEvents {
    Table,
    Id,
    LeadId,
    FromStatus,
    ToStatus,
    PartnerId,
    ActorId,
    Note,
    At,
}

#[derive(DeriveIden)]
enum PartnerLeadStats {
    Table,
    PartnerId,
    OpenLeads,
    Accepted,
    Breached,
    LastRoutedAt,
}

#[derive(DeriveIden)]
enum Listings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One row: the rules document as admins last saved it.
        manager
            .create_table(
                Table::create()
                    .table(RoutingRules::Table)
                    .col(id(RoutingRules::Id))
                    .col(text(RoutingRules::Rules))
                    .col(big_integer_null(RoutingRules::UpdatedBy))
                    .col(timestamp_with_time_zone(RoutingRules::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Leads::Table)
                    .col(id(Leads::Id))
                    .col(string_len(Leads::Kind, 32))
                    .col(big_integer_null(Leads::ListingId))
                    .col(string_len_null(Leads::Category, 64))
                    .col(string_len_null(Leads::Region, 32))
                    .col(string_len(Leads::ContactName, 200))
                    .col(string_len(Leads::Email, 320))
                    .col(string_len(Leads::CompanyName, 200))
                    .col(string_len(Leads::CompanyDomain, 253))
                    .col(text(Leads::Message))
                    .col(boolean(Leads::Consent))
                    // routed, unroutable, accepted, qualified, won, lost
                    .col(string_len(Leads::Status, 32))
                    .col(big_integer_null(Leads::PartnerId))
                    .col(timestamp_with_time_zone_null(Leads::RoutedAt))
                    .col(timestamp_with_time_zone_null(Leads::SlaDueAt))
                    // JSON: the latest routing decision and its reasons (also when unroutable).
                    .col(text(Leads::Decision))
                    .col(timestamp_with_time_zone_null(Leads::AcceptedAt))
                    .col(timestamp_with_time_zone_null(Leads::ClosedAt))
                    // Whole currency units of the deal (won leads).
                    .col(big_integer_null(Leads::DealValue))
                    .col(text_null(Leads::LostReason))
                    .col(integer(Leads::MergedCount).default(0))
                    .col(big_integer_null(Leads::SubmittedBy))
                    .col(string_len(Leads::IpHash, 64))
                    .col(timestamp_with_time_zone(Leads::CreatedAt))
                    .col(timestamp_with_time_zone(Leads::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Leads::Table, Leads::ListingId)
                            .to(Listings::Table, Listings::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Leads::Table, Leads::PartnerId)
                            .to(Partners::Table, Partners::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // Duplicate detection and rate limits look leads up by email and by address, recent
        // first; partners list theirs by status; the SLA sweep finds the overdue.
        for (name, columns) in [
            ("idx_leads_email", vec![Leads::Email, Leads::CreatedAt]),
            ("idx_leads_ip", vec![Leads::IpHash, Leads::CreatedAt]),
            ("idx_leads_partner", vec![Leads::PartnerId, Leads::Status]),
            ("idx_leads_sla", vec![Leads::Status, Leads::SlaDueAt]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Leads::Table);
            for c in columns {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(LeadRoutes::Table)
                    .col(id(LeadRoutes::Id))
                    .col(big_integer(LeadRoutes::LeadId))
                    .col(big_integer(LeadRoutes::PartnerId))
                    // JSON: the rule that applied and the candidates in order, with their keys.
                    .col(text(LeadRoutes::Reason))
                    // open, accepted, declined, breached
                    .col(string_len(LeadRoutes::Outcome, 16))
                    .col(timestamp_with_time_zone(LeadRoutes::RoutedAt))
                    .col(timestamp_with_time_zone_null(LeadRoutes::ClosedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LeadRoutes::Table, LeadRoutes::LeadId)
                            .to(Leads::Table, Leads::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LeadRoutes::Table, LeadRoutes::PartnerId)
                            .to(Partners::Table, Partners::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_lead_routes_lead")
                    .table(LeadRoutes::Table)
                    .col(LeadRoutes::LeadId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_lead_routes_partner")
                    .table(LeadRoutes::Table)
                    .col(LeadRoutes::PartnerId)
                    .col(LeadRoutes::RoutedAt)
                    .to_owned(),
            )
            .await?;
        // What routing orders partners by, kept in the transactions that change it, so that
        // routing reads one row per candidate instead of counting leads.
        manager
            .create_table(
                Table::create()
                    .table(PartnerLeadStats::Table)
                    .col(big_integer(PartnerLeadStats::PartnerId).primary_key())
                    .col(big_integer(PartnerLeadStats::OpenLeads).default(0))
                    .col(big_integer(PartnerLeadStats::Accepted).default(0))
                    .col(big_integer(PartnerLeadStats::Breached).default(0))
                    .col(timestamp_with_time_zone_null(
                        PartnerLeadStats::LastRoutedAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerLeadStats::Table, PartnerLeadStats::PartnerId)
                            .to(Partners::Table, Partners::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Every move of a lead (routing, acceptance, pipeline), append-only.
        manager
            .create_table(
                Table::create()
                    .table(LeadEvents::Table)
                    .col(id(LeadEvents::Id))
                    .col(big_integer(LeadEvents::LeadId))
                    .col(string_len(LeadEvents::FromStatus, 32))
                    .col(string_len(LeadEvents::ToStatus, 32))
                    .col(big_integer_null(LeadEvents::PartnerId))
                    .col(big_integer_null(LeadEvents::ActorId))
                    .col(text_null(LeadEvents::Note))
                    .col(timestamp_with_time_zone(LeadEvents::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LeadEvents::Table, LeadEvents::LeadId)
                            .to(Leads::Table, Leads::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_lead_events_lead")
                    .table(LeadEvents::Table)
                    .col(LeadEvents::LeadId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PartnerLeadStats::Table.into_iden(),
            LeadEvents::Table.into_iden(),
            LeadRoutes::Table.into_iden(),
            Leads::Table.into_iden(),
            RoutingRules::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
