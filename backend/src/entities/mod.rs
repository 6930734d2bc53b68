//! sea-orm entities: one module per table, mirroring `migrations/`. They are storage types
//! only; handlers convert them explicitly into the API types of `mercato-shared`.

pub mod api_keys;
pub mod audit_log;
pub mod categories;
pub mod deal_registrations;
pub mod domain_verifications;
pub mod install_events;
pub mod installs;
pub mod integration_request_votes;
pub mod integration_requests;
pub mod json;
pub mod lead_events;
pub mod lead_routes;
pub mod leads;
pub mod listing_categories;
pub mod listing_revisions;
pub mod listings;
pub mod outbox;
pub mod partner_lead_stats;
pub mod partner_members;
pub mod partner_notices;
pub mod partners;
pub mod refresh_tokens;
pub mod reviews;
pub mod routing_rules;
pub mod search_state;
pub mod status_changes;
pub mod usage_batches;
pub mod usage_pending;
pub mod users;
pub mod webhook_attempts;
pub mod webhook_deliveries;
pub mod webhook_endpoints;
pub mod workspace_members;
pub mod workspaces;
