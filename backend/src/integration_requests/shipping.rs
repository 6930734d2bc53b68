//! Shipping a request: linking it to the listing that now does it.

use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::integration_requests::{ShipRequest, Shipped};
use sea_orm::TransactionTrait;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;
use crate::store::audit::{self, Subject};

/// Ships open request `id` with the published listing `body.listing` (the caller checked that
/// an admin asks): each voter who agreed becomes an introduction lead for the listing's
/// partner. Audited.
pub async fn ship(
    state: &AppState,
    admin: &CurrentUser,
    id: i64,
    body: ShipRequest,
) -> ApiResult<Shipped> {
    let listing = store::listings::public_by_slug(&state.db.read, &body.listing)
        .await?
        .ok_or_else(|| {
            ApiError::field(
                "listing",
                "unknown_listing",
                "no published listing has this slug",
            )
        })?;
    let category = store::listings::category_slugs(&state.db.read, listing.id)
        .await?
        .into_iter()
        .next();
    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    let request = super::open_request(&txn, id, "ship").await?;
    let (request, leads_created) =
        store::integration_requests::ship(&txn, request, &listing, category, now).await?;
    audit::record(
        &txn,
        now,
        admin.into(),
        AuditAction::IntegrationRequestShipped,
        Subject::IntegrationRequest(request.id),
        serde_json::json!({
            "tool": request.tool,
            "listing": listing.slug,
            "leads_created": leads_created,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(Shipped {
        request: super::shown(&state.db.write, &request).await?,
        leads_created,
    })
}
