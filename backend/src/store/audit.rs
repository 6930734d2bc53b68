//! The audit log: the one writer, called in the transaction of the action it records (so a
//! refused or rolled-back action leaves no entry, and no committed action lacks one), and the
//! admins' filtered read, newest first.

use chrono::{DateTime, Utc};
use mercato_shared::api::audit::{AuditAction, AuditSubjectKind};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::Value;

use crate::auth::CurrentUser;
use crate::entities::audit_log;
use crate::error::ApiResult;

/// Who acted, and from which address.
#[derive(Debug, Clone, Copy, Default)]
pub struct Actor<'a> {
    pub user_id: Option<i64>,
    pub ip: Option<&'a str>,
}

impl<'a> Actor<'a> {
    /// `user_id` (none: nobody signed in) acting from `ip`.
    pub fn at(user_id: Option<i64>, ip: &'a Option<String>) -> Self {
        Actor {
            user_id,
            ip: ip.as_deref(),
        }
    }
}

impl<'a> From<&'a CurrentUser> for Actor<'a> {
    fn from(user: &'a CurrentUser) -> Self {
        Actor::at(Some(user.id), &user.ip)
    }
}

/// What an action was done to.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    User(i64),
    /// The email of a refused sign-in, when what was typed is an email address.
    Email(Option<&'a str>),
    Partner(&'a str),
    Listing(&'a str),
    ApiKey(i64),
    Webhook(i64),
    RoutingRules,
    Category(&'a str),
    IntegrationRequest(i64),
}

impl Subject<'_> {
    fn parts(self) -> (AuditSubjectKind, Option<String>) {
        match self {
            Subject::User(id) => (AuditSubjectKind::User, Some(id.to_string())),
            Subject::Email(email) => (AuditSubjectKind::Email, email.map(str::to_string)),
            Subject::Partner(slug) => (AuditSubjectKind::Partner, Some(slug.to_string())),
            Subject::Listing(slug) => (AuditSubjectKind::Listing, Some(slug.to_string())),
            Subject::ApiKey(id) => (AuditSubjectKind::ApiKey, Some(id.to_string())),
            Subject::Webhook(id) => (AuditSubjectKind::Webhook, Some(id.to_string())),
            Subject::RoutingRules => (AuditSubjectKind::RoutingRules, None),
            Subject::Category(slug) => (AuditSubjectKind::Category, Some(slug.to_string())),
            Subject::IntegrationRequest(id) => {
                (AuditSubjectKind::IntegrationRequest, Some(id.to_string()))
            }
        }
    }
}

/// Appends an entry (in the caller's transaction).
pub async fn record(
    db: &impl ConnectionTrait,
    at: DateTime<Utc>,
    actor: Actor<'_>,
    action: AuditAction,
    subject: Subject<'_>,
    details: Value,
) -> ApiResult<()> {
    let (kind, subject) = subject.parts();
    audit_log::ActiveModel {
        at: Set(at),
        actor_id: Set(actor.user_id),
        action: Set(action.as_str().into()),
        subject_kind: Set(kind.as_str().into()),
        subject: Set(subject),
        details: Set(details.to_string()),
        ip: Set(actor.ip.map(str::to_string)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Which entries to read: all of them matching every filter given, older than `before` (an
/// entry id, from a cursor).
#[derive(Debug, Default)]
pub struct Filter {
    pub action: Option<AuditAction>,
    pub actor_id: Option<i64>,
    pub subject_kind: Option<AuditSubjectKind>,
    /// Only with `subject_kind`.
    pub subject: Option<String>,
    pub before: Option<i64>,
}

/// Up to `limit` entries matching `filter`, newest first.
pub async fn newest(
    db: &impl ConnectionTrait,
    filter: &Filter,
    limit: u64,
) -> ApiResult<Vec<audit_log::Model>> {
    let mut query = audit_log::Entity::find();
    if let Some(action) = filter.action {
        query = query.filter(audit_log::Column::Action.eq(action.as_str()));
    }
    if let Some(actor) = filter.actor_id {
        query = query.filter(audit_log::Column::ActorId.eq(actor));
    }
    if let Some(kind) = filter.subject_kind {
        query = query.filter(audit_log::Column::SubjectKind.eq(kind.as_str()));
        if let Some(subject) = &filter.subject {
            query = query.filter(audit_log::Column::Subject.eq(subject.as_str()));
        }
    }
    if let Some(before) = filter.before {
        query = query.filter(audit_log::Column::Id.lt(before));
    }
    Ok(query
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}
