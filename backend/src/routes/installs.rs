//! Installing listings into workspaces. Every change appends an install event, moves the
//! listing's counters and daily roll-up in the same transaction, and reaches the search index
//! (popularity) through the outbox.

use actix_web::{web, HttpResponse};
use mercato_shared::api::workspaces::{
    Install, InstallRequest, InstallResponse, InstallStatus, WorkspaceStatus,
};
use mercato_shared::validate::{self, Slug, Validator};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};

use crate::auth::CurrentUser;
use crate::entities::{installs, listings};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::ApiJson;
use crate::http::respond;
use crate::state::AppState;
use crate::store::installs::{Change, Utm};
use crate::store::outbox::PublicChange;
use crate::store::{self, workspaces::visible};

fn view(i: &installs::Model, listing: &listings::Model) -> Install {
    Install {
        id: i.id,
        workspace_id: i.workspace_id,
        listing: listing.slug.clone(),
        listing_name: listing.name.clone(),
        active: i.status == InstallStatus::Active,
        source: i.source,
        installed_at: i.installed_at,
        uninstalled_at: i.uninstalled_at,
    }
}

fn utm(v: &mut Validator, field: &str, value: Option<String>) -> Option<Option<String>> {
    v.check_opt(field, value.filter(|s| !s.trim().is_empty()), |s| {
        validate::line(&s, 1, 100)
    })
}

/// Installs a listing for the workspace (members). Installing an installed listing again
/// changes nothing; an uninstalled one is re-installed. The answer carries a signed install
/// token and the partner's install URL with the token attached.
#[utoipa::path(post, path = "/api/v1/workspaces/{id}/installs", tag = "installs", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = InstallRequest,
    responses(
        (status = 201, description = "Installed (or re-installed)", body = InstallResponse),
        (status = 200, description = "Already installed: nothing changed", body = InstallResponse),
        (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem),
        (status = 409, description = "the workspace has churned", body = mercato_shared::Problem),
        (status = 422, body = mercato_shared::Problem),
    ))]
pub async fn install(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<InstallRequest>,
) -> ApiResult<HttpResponse> {
    let (workspace, access) = visible(&state.db.read, &user, &path).await?;
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
            status: "churned".into(),
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
        install: view(&install, &listing),
        install_token: token,
        install_token_expires_at: expires_at,
        redirect_url,
    };
    Ok(if changed {
        respond::created(
            &format!("/api/v1/workspaces/{}/installs", workspace.id),
            &body,
        )
    } else {
        respond::ok(&body)
    })
}

/// The workspace's installs, current and past (members, staff).
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/installs", tag = "installs", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Install>), (status = 404, body = mercato_shared::Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (workspace, _) = visible(&state.db.read, &user, &path).await?;
    let rows = installs::Entity::find()
        .filter(installs::Column::WorkspaceId.eq(workspace.id))
        .find_also_related(listings::Entity)
        .order_by_desc(installs::Column::InstalledAt)
        .all(&state.db.read)
        .await?;
    let out: Vec<Install> = rows
        .iter()
        .filter_map(|(i, l)| l.as_ref().map(|l| view(i, l)))
        .collect();
    Ok(respond::ok(&out))
}

/// Uninstalls a listing (members). Uninstalling again is harmless.
#[utoipa::path(delete, path = "/api/v1/workspaces/{id}/installs/{listing}", tag = "installs", security(("bearer" = [])),
    params(("id" = i64, Path), ("listing" = String, Path)),
    responses((status = 204), (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem)))]
pub async fn uninstall(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (raw_id, raw_slug) = path.into_inner();
    let (workspace, access) = visible(&state.db.read, &user, &raw_id).await?;
    access.require_member()?;
    let slug = respond::path_slug(&raw_slug, "install")?;
    let txn = state.db.write.begin().await?;
    let (listing, _) = store::listings::by_slug(&txn, slug.as_str())
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
    Ok(respond::no_content())
}

/// The public keys partners verify install tokens with (JWKS).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "installs",
    responses((status = 200, description = "JSON Web Key Set (Ed25519)")))]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(state.install_keys.jwks())
}
