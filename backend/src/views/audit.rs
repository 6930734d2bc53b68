//! Audit log entries.

use mercato_shared::api::audit::{AuditAction, AuditEntry, AuditSubjectKind};

use crate::entities::audit_log;

/// An audit log entry, with its actor's current name; `None` for an action or subject kind
/// this version does not know (written by a newer one).
pub fn audit_entry(e: &audit_log::Model, actor_name: Option<String>) -> Option<AuditEntry> {
    Some(AuditEntry {
        id: e.id,
        at: e.at,
        actor_id: e.actor_id,
        actor_name,
        action: AuditAction::parse(&e.action)?,
        subject_kind: AuditSubjectKind::parse(&e.subject_kind)?,
        subject: e.subject.clone(),
        details: serde_json::from_str(&e.details).unwrap_or_default(),
        ip: e.ip.clone(),
    })
}
