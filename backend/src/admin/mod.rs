//! Marketplace administration that is not one resource's own: the accounts and their roles,
//! and the audit log.

pub mod audit_log;
pub mod users;
