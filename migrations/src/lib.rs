//! Mercato's database schema. One file per migration, named by date; every migration runs on
//! SQLite and PostgreSQL alike, so only portable column types are used (SQLite also cannot take
//! several ALTER operations in one statement: one ALTER per change).

pub use sea_orm_migration::prelude::*;

mod common;
mod m20261125_000001_initial;
mod m20261125_000002_outbox;
mod m20261126_000003_search_state;
mod m20261126_000004_adoption;
mod m20261127_000005_usage_pending;
mod m20261127_000006_leads;
mod m20261127_000007_integration_requests;
mod m20261127_000008_deal_registrations;
mod m20261128_000009_webhooks;
mod m20261129_000010_audit_log;
mod m20261130_000011_domain_verification;
mod m20261130_000012_sso;
mod m20261201_000013_outbox_retention;
mod m20261201_000014_search_lease_token;
mod m20261205_000015_shared_keys;
mod m20261205_000016_rate_buckets;
mod m20261205_000017_event_partitions;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_initial::Migration),
            Box::new(m20261125_000002_outbox::Migration),
            Box::new(m20261126_000003_search_state::Migration),
            Box::new(m20261126_000004_adoption::Migration),
            Box::new(m20261127_000005_usage_pending::Migration),
            Box::new(m20261127_000006_leads::Migration),
            Box::new(m20261127_000007_integration_requests::Migration),
            Box::new(m20261127_000008_deal_registrations::Migration),
            Box::new(m20261128_000009_webhooks::Migration),
            Box::new(m20261129_000010_audit_log::Migration),
            Box::new(m20261130_000011_domain_verification::Migration),
            Box::new(m20261130_000012_sso::Migration),
            Box::new(m20261201_000013_outbox_retention::Migration),
            Box::new(m20261201_000014_search_lease_token::Migration),
            Box::new(m20261205_000015_shared_keys::Migration),
            Box::new(m20261205_000016_rate_buckets::Migration),
            Box::new(m20261205_000017_event_partitions::Migration),
        ]
    }
}
