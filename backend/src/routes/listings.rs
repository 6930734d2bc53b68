//! Listings: drafts and edits by partner members, public reads of published listings.

use actix_web::{web, HttpRequest, HttpResponse};
use mercato_shared::api::listings::{
    limits, CreateListing, Listing, ListingPatch, ListingStatus, ListingSummary, ManagedListing,
    MarkdownPreview, PricingModel, RenderedMarkdown, RevisionState,
};
use mercato_shared::api::partners::StatusChange;
use mercato_shared::api::Page;
use mercato_shared::validate::Slug;
use mercato_shared::{ErrorCode, FieldError};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
    TransactionTrait,
};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::domain::access::{Need, PartnerAccess};
use crate::domain::listing::{apply_patch, content_of_create, content_of_row, ValidListingContent};
use crate::domain::review;
use crate::entities::json::{RevisionContent, StringList};
use crate::entities::{listing_revisions, listings, partners};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::respond::{self, path_slug};
use crate::state::AppState;
use crate::store::{self, status_log};
use crate::{pagination, views};

fn slug_taken() -> ApiError {
    ApiError::Conflict {
        code: ErrorCode::SlugTaken,
        detail: "another listing uses this slug".into(),
        field: Some("slug"),
    }
}

/// Creates a draft listing for a partner the caller belongs to.
#[utoipa::path(post, path = "/api/v1/listings", tag = "listings", security(("bearer" = [])),
    request_body = CreateListing,
    responses(
        (status = 201, body = ManagedListing),
        (status = 403, description = "not a member of the partner", body = mercato_shared::Problem),
        (status = 409, description = "slug_taken", body = mercato_shared::Problem),
        (status = 422, body = mercato_shared::Problem),
    ))]
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<CreateListing>,
) -> ApiResult<HttpResponse> {
    let partner_slug =
        Slug::parse(&req.partner).map_err(|e| ApiError::field("partner", e.code, e.message))?;
    let partner = match store::partners::by_slug(&state.db.read, partner_slug.as_str()).await {
        Ok(p) => p,
        Err(ApiError::NotFound(_)) => {
            return Err(ApiError::field(
                "partner",
                "unknown_partner",
                "there is no such partner",
            ))
        }
        Err(e) => return Err(e),
    };
    PartnerAccess::of(&state.db.read, Some(&user), partner.id)
        .await?
        .require(Need::MemberWork)?;

    let slug = Slug::parse(&req.slug).map_err(|e| FieldError {
        field: "slug".into(),
        code: e.code.into(),
        message: e.message,
    });
    let content = ValidListingContent::parse(content_of_create(&req));
    let (slug, content) = match (slug, content) {
        (Ok(s), Ok(c)) => (s, c),
        (s, c) => {
            let mut errors: Vec<FieldError> = s.err().into_iter().collect();
            errors.extend(c.err().unwrap_or_default());
            return Err(ApiError::Validation(errors));
        }
    };
    let category_ids =
        store::categories::resolve(&state.db.read, &content.content().categories).await?;

    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    if listings::Entity::find()
        .filter(listings::Column::Slug.eq(slug.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(slug_taken());
    }
    let mut row = listings::ActiveModel {
        slug: Set(slug.into_inner()),
        partner_id: Set(partner.id),
        status: Set(ListingStatus::Draft),
        badges: Set(StringList::default()),
        monthly_installs: Set(0),
        review_note: Set(None),
        submitted_at: Set(None),
        published_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    content.apply_to(&mut row);
    let listing = row.insert(&txn).await.map_err(|e| {
        if store::is_unique_violation(&e) {
            slug_taken()
        } else {
            e.into()
        }
    })?;
    store::listings::set_categories(&txn, listing.id, &category_ids).await?;
    status_log::record(
        &txn,
        state.settings.clock.now(),
        status_log::Change {
            subject: status_log::Subject::Listing {
                partner_id: partner.id,
                listing_id: listing.id,
            },
            from: None,
            to: ListingStatus::Draft.as_str(),
            actor_id: Some(user.id),
            note: None,
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(listing = %listing.slug, partner = %partner.slug, user_id = user.id, "listing drafted");
    let view = views::managed_listing(
        &listing,
        &partner,
        content.into_content().categories,
        None,
        state.settings.clock.today(),
    );
    Ok(respond::created(
        &format!("/api/v1/listings/{}/manage", listing.slug),
        &view,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListingListQuery {
    /// A category slug.
    pub category: Option<String>,
    /// A partner slug.
    pub partner: Option<String>,
    pub pricing: Option<PricingModel>,
    /// 1 to 100; 20 by default.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Builds a page of summaries from a list filter.
pub async fn page(
    state: &AppState,
    filter: &store::listings::ListFilter,
) -> ApiResult<Page<ListingSummary>> {
    let mut rows = store::listings::list(&state.db.read, filter).await?;
    let next_cursor = (rows.len() as u64 > filter.limit).then(|| {
        rows.truncate(filter.limit as usize);
        let (last, _) = rows.last().expect("a full page has a last row");
        pagination::encode(&(last.monthly_installs, last.id))
    });
    let items = summaries(state, rows).await?;
    Ok(Page { items, next_cursor })
}

/// Listing rows (with their partners) as cards show them, with their category slugs.
pub(crate) async fn summaries(
    state: &AppState,
    rows: Vec<(listings::Model, partners::Model)>,
) -> ApiResult<Vec<ListingSummary>> {
    let ids: Vec<i64> = rows.iter().map(|(l, _)| l.id).collect();
    let mut cats = store::listings::category_refs(&state.db.read, &ids).await?;
    Ok(rows
        .iter()
        .map(|(l, p)| {
            let slugs = cats
                .remove(&l.id)
                .unwrap_or_default()
                .into_iter()
                .map(|c| c.slug)
                .collect();
            views::listing_summary(l, p, slugs, state.settings.clock.today())
        })
        .collect())
}

/// Published listings of active partners, most installed first.
#[utoipa::path(get, path = "/api/v1/listings", tag = "listings", params(ListingListQuery),
    responses((status = 200, body = Page<ListingSummary>), (status = 400, body = mercato_shared::Problem)))]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    ApiQuery(q): ApiQuery<ListingListQuery>,
) -> ApiResult<HttpResponse> {
    let mut filter = store::listings::ListFilter {
        public_only: true,
        pricing: q.pricing,
        after: q.cursor.as_deref().map(pagination::decode).transpose()?,
        limit: pagination::limit(q.limit)?,
        ..Default::default()
    };
    let empty = || {
        respond::cacheable(
            &req,
            &Page::<ListingSummary> {
                items: vec![],
                next_cursor: None,
            },
        )
    };
    // An unknown category or partner matches nothing.
    if let Some(slug) = &q.category {
        match store::categories::by_slug(&state.db.read, slug).await {
            Ok(c) => filter.category_id = Some(c.id),
            Err(ApiError::NotFound(_)) => return Ok(empty()),
            Err(e) => return Err(e),
        }
    }
    if let Some(slug) = &q.partner {
        match store::partners::by_slug(&state.db.read, slug).await {
            Ok(p) => filter.partner_id = Some(p.id),
            Err(ApiError::NotFound(_)) => return Ok(empty()),
            Err(e) => return Err(e),
        }
    }
    Ok(respond::cacheable(&req, &page(&state, &filter).await?))
}

/// A published listing.
#[utoipa::path(get, path = "/api/v1/listings/{slug}", tag = "listings",
    params(("slug" = String, Path)),
    responses((status = 200, body = Listing), (status = 404, body = mercato_shared::Problem)))]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "listing")?;
    let anonymous = !req
        .headers()
        .contains_key(actix_web::http::header::AUTHORIZATION);
    if anonymous {
        if let Some(hit) = state.public_cache.get(slug.as_str()) {
            return Ok(respond::cacheable_bytes(&req, hit.body.clone(), &hit.etag));
        }
    }
    let generation = state.public_cache.generation();
    let (listing, partner, categories) =
        store::listings::with_partner_and_categories(&state.db.read, slug.as_str())
            .await?
            .filter(|(l, p, _)| store::visibility::is_public_listing(l, p))
            .ok_or(ApiError::NotFound("listing"))?;
    let view = views::listing(&listing, &partner, categories, state.settings.clock.today());
    let (body, etag) = respond::serialize_with_etag(&view)?;
    if anonymous {
        state
            .public_cache
            .put(slug.into_inner(), generation, body.clone(), etag.clone());
    }
    Ok(respond::cacheable_bytes(&req, body, &etag))
}

/// Loads a listing for its partner's members and marketplace admins.
async fn private_listing(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    raw_slug: &str,
) -> ApiResult<(listings::Model, partners::Model, PartnerAccess)> {
    let slug = path_slug(raw_slug, "listing")?;
    let (listing, partner) = store::listings::by_slug(db, slug.as_str()).await?;
    let access = PartnerAccess::of(db, Some(user), partner.id).await?;
    if !access.can_view_private() {
        // Published listings exist for everyone; others do not exist for outsiders.
        return Err(
            if store::visibility::is_public_listing(&listing, &partner) {
                ApiError::Forbidden(
                    "only the partner's members and marketplace admins may see this",
                )
            } else {
                ApiError::NotFound("listing")
            },
        );
    }
    Ok((listing, partner, access))
}

pub async fn managed_view(
    db: &impl ConnectionTrait,
    listing: &listings::Model,
    partner: &partners::Model,
    today: chrono::NaiveDate,
) -> ApiResult<ManagedListing> {
    let categories = store::listings::category_slugs(db, listing.id).await?;
    let pending = store::listings::pending_revision(db, listing.id).await?;
    Ok(views::managed_listing(
        listing,
        partner,
        categories,
        pending.as_ref(),
        today,
    ))
}

/// Renders a description as the listing page will show it (signed-in accounts; the editor's
/// preview uses the server's own renderer and sanitiser, so what partners see is what ships).
#[utoipa::path(post, path = "/api/v1/markdown/preview", tag = "listings", security(("bearer" = [])),
    request_body = MarkdownPreview,
    responses((status = 200, body = RenderedMarkdown), (status = 401, body = mercato_shared::Problem),
        (status = 422, body = mercato_shared::Problem)))]
pub async fn preview_markdown(
    _user: CurrentUser,
    ApiJson(body): ApiJson<MarkdownPreview>,
) -> ApiResult<HttpResponse> {
    let mut v = mercato_shared::validate::Validator::new();
    v.check(
        "markdown",
        mercato_shared::validate::text(&body.markdown, 0, limits::DESCRIPTION_MAX),
    );
    v.finish(|| Some(())).map_err(ApiError::Validation)?;
    Ok(respond::ok(&RenderedMarkdown {
        html: crate::markdown::render(&body.markdown),
    }))
}

/// A listing with its status and pending revision, for its partner and admins.
#[utoipa::path(get, path = "/api/v1/listings/{slug}/manage", tag = "listings", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = ManagedListing), (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem)))]
pub async fn manage(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (listing, partner, _) = private_listing(&state.db.read, &user, &path).await?;
    Ok(respond::ok(
        &managed_view(
            &state.db.read,
            &listing,
            &partner,
            state.settings.clock.today(),
        )
        .await?,
    ))
}

/// Edits a listing (the partner's members). A draft is edited in place; a published listing
/// gets a pending revision that goes through review while the published version stays live.
#[utoipa::path(patch, path = "/api/v1/listings/{slug}", tag = "listings", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = ListingPatch,
    responses((status = 200, body = ManagedListing), (status = 403, body = mercato_shared::Problem),
        (status = 409, description = "in review", body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(patch): ApiJson<ListingPatch>,
) -> ApiResult<HttpResponse> {
    let txn = state.db.write.begin().await?;
    let (listing, partner, access) = private_listing(&txn, &user, &path).await?;
    access.require(Need::MemberWork)?;
    let status = listing.status;
    let now = state.settings.clock.now();

    if review::listing_is_directly_editable(status) {
        let current = content_of_row(
            &listing,
            store::listings::category_slugs(&txn, listing.id).await?,
        );
        let content = ValidListingContent::parse(apply_patch(current, patch))
            .map_err(ApiError::Validation)?;
        let category_ids = store::categories::resolve(&txn, &content.content().categories).await?;
        let mut row = listing.into_active_model();
        content.apply_to(&mut row);
        row.updated_at = Set(now);
        let listing = row.update(&txn).await?;
        store::listings::set_categories(&txn, listing.id, &category_ids).await?;
        let view = managed_view(&txn, &listing, &partner, state.settings.clock.today()).await?;
        txn.commit().await?;
        return Ok(respond::ok(&view));
    }
    if status != ListingStatus::Published {
        return Err(ApiError::InvalidTransition {
            subject: "listing",
            action: "edit",
            status: status.as_str().into(),
        });
    }

    // Published: the edit goes into the open revision, or a new one based on the live content.
    let pending = store::listings::pending_revision(&txn, listing.id).await?;
    if let Some(rev) = &pending {
        if !review::revision_is_editable(rev.state) {
            return Err(ApiError::InvalidTransition {
                subject: "revision",
                action: "edit",
                status: rev.state.to_string(),
            });
        }
    }
    let base = match &pending {
        Some(rev) => rev.content.0.clone(),
        None => content_of_row(
            &listing,
            store::listings::category_slugs(&txn, listing.id).await?,
        ),
    };
    let content =
        ValidListingContent::parse(apply_patch(base, patch)).map_err(ApiError::Validation)?;
    store::categories::resolve(&txn, &content.content().categories).await?;
    match pending {
        Some(rev) => {
            let mut row = rev.into_active_model();
            row.content = Set(RevisionContent(content.into_content()));
            row.author_id = Set(Some(user.id));
            row.updated_at = Set(now);
            row.update(&txn).await?;
        }
        None => {
            let number = store::listings::next_revision_number(&txn, listing.id).await?;
            listing_revisions::ActiveModel {
                listing_id: Set(listing.id),
                number: Set(number),
                state: Set(RevisionState::Draft),
                content: Set(RevisionContent(content.into_content())),
                review_note: Set(None),
                author_id: Set(Some(user.id)),
                submitted_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            status_log::record(
                &txn,
                state.settings.clock.now(),
                status_log::Change {
                    subject: status_log::Subject::Revision {
                        partner_id: partner.id,
                        listing_id: listing.id,
                        number,
                    },
                    from: None,
                    to: RevisionState::Draft.as_str(),
                    actor_id: Some(user.id),
                    note: None,
                },
            )
            .await?;
        }
    }
    let view = managed_view(&txn, &listing, &partner, state.settings.clock.today()).await?;
    txn.commit().await?;
    Ok(respond::ok(&view))
}

/// The listing's status changes and those of its revisions, oldest first.
#[utoipa::path(get, path = "/api/v1/listings/{slug}/history", tag = "listings", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<StatusChange>), (status = 403, body = mercato_shared::Problem)))]
pub async fn history(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (listing, _, _) = private_listing(&state.db.read, &user, &path).await?;
    Ok(respond::ok(
        &status_log::of_listing(&state.db.read, listing.id).await?,
    ))
}
