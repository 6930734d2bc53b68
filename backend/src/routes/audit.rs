//! The audit log of security-relevant and administrative actions (marketplace admins).

use actix_web::{web, HttpResponse};
use mercato_shared::api::audit::{AuditAction, AuditEntry, AuditSubjectKind};
use mercato_shared::api::Page;
use serde::Deserialize;

use crate::admin::audit_log;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::http::extract::ApiQuery;
use crate::http::respond;
use crate::state::AppState;
use crate::{pagination, store};

/// The longest subject a filter may name (an email address).
const SUBJECT_MAX: usize = 320;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only this action, e.g. `sign_in_failed`.
    pub action: Option<AuditAction>,
    /// Only actions of this account (its id).
    pub actor: Option<i64>,
    /// Only actions on this subject: a kind (`partner`) or a kind and its id or slug
    /// (`partner:northwind-labs`, `user:42`, `email:someone@example.com`).
    pub subject: Option<String>,
    /// 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// `kind` or `kind:value` of the `subject` filter.
fn parse_subject(raw: &str) -> ApiResult<(AuditSubjectKind, Option<String>)> {
    let (kind, value) = match raw.split_once(':') {
        Some((kind, value)) => (kind, Some(value.trim())),
        None => (raw, None),
    };
    let kinds: Vec<&str> = AuditSubjectKind::ALL.iter().map(|k| k.as_str()).collect();
    let kind = AuditSubjectKind::parse(kind.trim()).ok_or_else(|| {
        pagination::invalid(
            "subject",
            "invalid_value",
            &format!(
                "must be a kind or kind:id-or-slug, the kind one of {}",
                kinds.join(", ")
            ),
        )
    })?;
    let value = match value {
        None => None,
        Some(v) if v.is_empty() || v.chars().count() > SUBJECT_MAX => {
            return Err(pagination::invalid(
                "subject",
                "invalid_value",
                &format!("the id or slug after `{kind}:` must be 1 to {SUBJECT_MAX} characters"),
            ))
        }
        // Emails are kept as they are compared at sign-in: lowercase.
        Some(v) if kind == AuditSubjectKind::Email => Some(v.to_lowercase()),
        Some(v) => Some(v.to_string()),
    };
    Ok((kind, value))
}

/// Audit log entries, newest first, optionally filtered by action, actor and subject (admins).
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 400, body = mercato_shared::Problem),
        (status = 401, body = mercato_shared::Problem), (status = 403, body = mercato_shared::Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let limit = pagination::limit(q.limit)?;
    if q.actor.is_some_and(|a| a < 1) {
        return Err(pagination::invalid(
            "actor",
            "out_of_range",
            "must be an account id (1 or more)",
        ));
    }
    let (subject_kind, subject) = match q.subject.as_deref() {
        Some(raw) => {
            let (kind, value) = parse_subject(raw)?;
            (Some(kind), value)
        }
        None => (None, None),
    };
    let filter = store::audit::Filter {
        action: q.action,
        actor_id: q.actor,
        subject_kind,
        subject,
        before: q.cursor.as_deref().map(pagination::decode).transpose()?,
    };
    Ok(respond::ok(&audit_log::page(&state, &filter, limit).await?))
}
