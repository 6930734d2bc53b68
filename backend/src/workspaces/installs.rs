//! Installing listings into workspaces. Every change appends an install event, moves the
//! listing's counters and daily roll-up in the same transaction (`store::installs::apply`),
//! and reaches the search index (popularity) through the outbox.

use mercato_shared::api::workspaces::{Install, InstallRequest, InstallResponse, WorkspaceStatus};
use mercato_shared::validate::{self, Slug, Validator};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};

use crate::auth::CurrentUser;
use crate::entities::{installs, listings};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::installs::{Change, Utm};
use crate::store::outbox::PublicChange;
use crate::store::workspaces::visible;
use crate::{store, views};

fn utm(v: &mut Validator, field: &str, value: Option<String>) -> Option<Option<String>> {
    v.check_opt(field, value.filter(|s| !s.trim().is_empty()), |s| {
        validate::line(&s, 1, 100)
    })
}

/// Installs a listing into workspace `id` (members); whether anything changed. Installing an
/// installed listing again changes nothing; an uninstalled one is re-installed. The answer
/// carries a signed install token and the partner's install URL with the token attached.
pub async fn install(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    req: InstallRequest,
) -> ApiResult<(InstallResponse, bool)> {
    let (workspace, access) = visible(&state.db.read, user, id).await?;
    access.require_member()?;
    let mut v = Validator::new();
    let slug = v.check("listing", Slug::parse(&req.listing));
    let utm_source = utm(&mut v, "utm_source", req.utm_source);
    let utm_medium = utm(&mut v, "utm_medium", req.utm_medium);
    let utm_campaign = utm(&mut v, "utm_campaign", req.utm_campaign);
    let utm_term = utm(&mut v, "utm_term", req.utm_term);
    let utm_content = utm(&mut v, "utm_content", req.utm_content);
    let (slug, utm_source, utm_medium, utm_campaign, utm_term, utm_content) = v
        .finish(|| {
            Some((
                slug?,
                utm_source?,
                utm_medium?,
                utm_campaign?,
                utm_term?,
                utm_content?,
            ))
        })
        .map_err(ApiError::Validation)?;
    if workspace.status == WorkspaceStatus::Churned {
        return Err(ApiError::InvalidTransition {
            subject: "workspace",
            action: "install into",
            status: workspace.status.to_string(),
        });
    }
    let (listing, partner) = match store::listings::by_slug(&state.db.read, slug.as_str()).await {
        Ok(found) if store::visibility::is_public_listing(&found.0, &found.1) => found,
        Ok(_) | Err(ApiError::NotFound(_)) => {
            return Err(ApiError::field(
                "listing",
                "unknown_listing",
                "there is no published listing with this slug",
            ))
        }
        Err(e) => return Err(e),
    };

    let txn = state.db.write.begin().await?;
    let change = Change::Install {
        source: req.source,
        utm: Utm {
            source: utm_source,
            medium: utm_medium,
            campaign: utm_campaign,
            term: utm_term,
            content: utm_content,
        },
    };
    let (install, changed) = store::installs::apply(
        &txn,
        workspace.id,
        listing.id,
        change,
        Some(user.id),
        state.settings.clock.now(),
    )
    .await?
    .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("an install always yields a row")))?;
    if changed {
        state
            .commit_public_change(txn, PublicChange::Listing(listing.slug.clone()))
            .await?;
        tracing::info!(workspace = workspace.id, listing = %listing.slug, source = %req.source, "installed");
    } else {
        txn.commit().await?;
    }
    let (token, expires_at) =
        state
            .install_keys
            .issue(&partner.slug, workspace.id, &listing.slug, install.id)?;
    let redirect_url = listing.install_url.as_ref().map(|url| {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}mercato_install_token={token}")
    });
    let body = InstallResponse {
        install: views::install(&install, &listing),
        install_token: token,
        install_token_expires_at: expires_at,
        redirect_url,
    };
    Ok((body, changed))
}

/// Workspace `id`'s installs, current and past, newest first (members, staff).
pub async fn list(state: &AppState, user: &CurrentUser, id: i64) -> ApiResult<Vec<Install>> {
    let (workspace, _) = visible(&state.db.read, user, id).await?;
    let rows = installs::Entity::find()
        .filter(installs::Column::WorkspaceId.eq(workspace.id))
        .find_also_related(listings::Entity)
        .order_by_desc(installs::Column::InstalledAt)
        .all(&state.db.read)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|(i, l)| l.as_ref().map(|l| views::install(i, l)))
        .collect())
}

/// Uninstalls the listing `listing` from workspace `id` (members). Uninstalling again is
/// harmless; a listing never installed there is 404.
pub async fn uninstall(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    listing: &Slug,
) -> ApiResult<()> {
    let (workspace, access) = visible(&state.db.read, user, id).await?;
    access.require_member()?;
    let txn = state.db.write.begin().await?;
    let (listing, _) = store::listings::by_slug(&txn, listing.as_str())
        .await
        .map_err(|_| ApiError::NotFound("install"))?;
    match store::installs::apply(
        &txn,
        workspace.id,
        listing.id,
        Change::Uninstall,
        Some(user.id),
        state.settings.clock.now(),
    )
    .await?
    {
        None => return Err(ApiError::NotFound("install")),
        Some((_, false)) => txn.commit().await?,
        Some((_, true)) => {
            state
                .commit_public_change(txn, PublicChange::Listing(listing.slug.clone()))
                .await?;
            tracing::info!(workspace = workspace.id, listing = %listing.slug, "uninstalled");
        }
    }
    Ok(())
}
