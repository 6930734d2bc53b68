//! A partner's status: marketplace admins approve applications, suspend partners and reinstate
//! them; every change is in the status log and the audit log, and the history is shown to the
//! partner's members and admins.

use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::partners::{Partner, PartnerStatus, StatusChange};
use mercato_shared::validate::{self, Slug};
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set, TransactionTrait};

use super::{log_status, shown};
use crate::auth::CurrentUser;
use crate::domain::access::{self, Need};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::audit::{self, Subject};
use crate::store::outbox::PublicChange;
use crate::store::{self, status_log};

/// What an admin does to a partner's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAction {
    /// Approves an application, or reinstates a suspended partner.
    Approve,
    /// Suspends a partner: all its listings disappear from public reads at once.
    Suspend,
}

impl StatusAction {
    /// The status the action leads to, and the statuses it may start from.
    fn moves(self) -> (PartnerStatus, &'static [PartnerStatus]) {
        match self {
            StatusAction::Approve => (
                PartnerStatus::Active,
                &[PartnerStatus::Applied, PartnerStatus::Suspended],
            ),
            StatusAction::Suspend => (
                PartnerStatus::Suspended,
                &[PartnerStatus::Applied, PartnerStatus::Active],
            ),
        }
    }

    fn verb(self) -> &'static str {
        match self {
            StatusAction::Approve => "approve",
            StatusAction::Suspend => "suspend",
        }
    }

    fn audited(self) -> AuditAction {
        match self {
            StatusAction::Approve => AuditAction::PartnerApproved,
            StatusAction::Suspend => AuditAction::PartnerSuspended,
        }
    }
}

/// Moves a partner's status (admins), with an optional note kept in the status log.
pub async fn change(
    state: &AppState,
    admin: &CurrentUser,
    slug: &Slug,
    action: StatusAction,
    note: Option<String>,
) -> ApiResult<Partner> {
    let note = note
        .map(|n| validate::text(&n, 0, 2000))
        .transpose()
        .map_err(|e| ApiError::field("note", e.code, e.message))?
        .filter(|n| !n.is_empty());
    let (to, allowed_from) = action.moves();
    let txn = state.db.write.begin().await?;
    let partner = store::partners::by_slug(&txn, slug.as_str()).await?;
    let from = partner.status;
    if !allowed_from.contains(&from) {
        return Err(ApiError::InvalidTransition {
            subject: "partner",
            action: action.verb(),
            status: from.as_str().into(),
        });
    }
    let now = state.settings.clock.now();
    let mut row = partner.into_active_model();
    row.status = Set(to);
    row.updated_at = Set(now);
    let partner = row.update(&txn).await?;
    log_status(&txn, now, &partner, Some(from), admin, note.as_deref()).await?;
    audit::record(
        &txn,
        now,
        admin.into(),
        action.audited(),
        Subject::Partner(&partner.slug),
        serde_json::json!({ "from": from, "to": to, "note": note }),
    )
    .await?;
    state
        .commit_public_change(txn, PublicChange::Partner(partner.id))
        .await?;
    tracing::info!(partner = %partner.slug, from = %from, to = %to, admin = admin.id, "partner status changed");
    shown(&state.db.read, &partner, state.settings.clock.today()).await
}

/// The partner's status changes, oldest first (its members and marketplace admins).
pub async fn history(
    state: &AppState,
    user: &CurrentUser,
    slug: &Slug,
) -> ApiResult<Vec<StatusChange>> {
    let (partner, _) =
        access::partner_for(&state.db.read, Some(user), slug, Need::PrivateData).await?;
    status_log::of_partner(&state.db.read, partner.id).await
}
