//! Search and suggestions over published listings of active partners.

use std::time::Instant;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use mercato_shared::api::listings::PricingModel;
use mercato_shared::api::partners::PartnerStatus;
use mercato_shared::api::search::{
    SearchResponse, SuggestResponse, BADGES, MAX_RESULT_WINDOW, QUERY_MAX_CHARS, QUERY_MAX_WORDS,
};
use mercato_shared::validate::Slug;
use mercato_shared::FieldError;
use serde::Deserialize;

use crate::auth::MaybeUser;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::ApiQuery;
use crate::search::text::ParsedQuery;
use crate::search::{Filters, SearchRequest};
use crate::state::AppState;
use crate::{pagination, store};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// What to look for: names, use cases ("sync invoices to slack"), words of the tagline or
    /// description, categories, partner names. Typos are tolerated; the last word also matches
    /// as a prefix. Empty: listings by popularity.
    #[serde(default)]
    pub q: String,
    /// A category slug.
    pub category: Option<String>,
    pub pricing: Option<PricingModel>,
    /// A partner slug.
    pub partner: Option<String>,
    /// A badge, e.g. `staff-pick` or `certified`.
    pub badge: Option<String>,
    /// 1 to 100; 20 by default.
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    /// Admins: the parts of each hit's score. Partner members: of their own listings' hits.
    #[serde(default)]
    pub explain: bool,
}

fn invalid(field: &str, code: &str, message: impl Into<String>) -> ApiError {
    ApiError::InvalidQuery(vec![FieldError {
        field: field.into(),
        code: code.into(),
        message: message.into(),
    }])
}

fn parse_query(q: &str) -> ApiResult<ParsedQuery> {
    if q.chars().count() > QUERY_MAX_CHARS {
        return Err(invalid(
            "q",
            "too_long",
            format!("must be at most {QUERY_MAX_CHARS} characters"),
        ));
    }
    let parsed = ParsedQuery::parse(q, usize::MAX);
    if parsed.words.len() > QUERY_MAX_WORDS {
        return Err(invalid(
            "q",
            "too_many_words",
            format!("must have at most {QUERY_MAX_WORDS} words"),
        ));
    }
    Ok(parsed)
}

/// Checks each filter names something that exists.
async fn parse_filters(state: &AppState, p: &SearchParams) -> ApiResult<Filters> {
    let mut filters = Filters {
        pricing: p.pricing,
        ..Default::default()
    };
    if let Some(c) = &p.category {
        let known = match Slug::parse(c) {
            Ok(slug) => store::categories::by_slug(&state.db.read, slug.as_str())
                .await
                .is_ok(),
            Err(_) => false,
        };
        if !known {
            return Err(invalid(
                "category",
                "unknown_value",
                "there is no such category",
            ));
        }
        filters.category = Some(c.clone());
    }
    if let Some(slug) = &p.partner {
        let known = match Slug::parse(slug) {
            Ok(s) => store::partners::by_slug(&state.db.read, s.as_str())
                .await
                .is_ok_and(|p| p.status == PartnerStatus::Active),
            Err(_) => false,
        };
        if !known {
            return Err(invalid(
                "partner",
                "unknown_value",
                "there is no such partner",
            ));
        }
        filters.partner = Some(slug.clone());
    }
    if let Some(b) = &p.badge {
        if !BADGES.contains(&b.as_str()) {
            return Err(invalid(
                "badge",
                "unknown_value",
                format!("must be one of {}", BADGES.join(", ")),
            ));
        }
        filters.badge = Some(b.clone());
    }
    Ok(filters)
}

/// Searches published listings.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", security((), ("bearer" = [])), params(SearchParams),
    responses(
        (status = 200, body = SearchResponse),
        (status = 400, description = "invalid_query: over-long query, unknown facet value, bad cursor, limit out of range", body = mercato_shared::Problem),
        (status = 403, description = "explain asked by a caller who may not see it", body = mercato_shared::Problem),
    ))]
pub async fn search(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> ApiResult<HttpResponse> {
    // Who may see explanations, and of which hits.
    let explain_partners: Option<Vec<String>> = if p.explain {
        let user = user.as_ref().ok_or(ApiError::Unauthenticated)?;
        if user.is_admin() {
            None
        } else {
            let own: Vec<String> = store::users::memberships(&state.db.read, user.id)
                .await?
                .into_iter()
                .map(|(partner, _)| partner.slug)
                .collect();
            if own.is_empty() {
                return Err(ApiError::Forbidden(
                    "explanations are for marketplace admins and partners",
                ));
            }
            Some(own)
        }
    } else {
        None
    };

    let body = execute(&state, &p, explain_partners).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(body))
}

/// Runs a search (for the API and the search page): validates the query, the filters and the
/// cursor, searches, and pages. `explain_partners`: whose hits keep their explanations (`None`:
/// all, when `p.explain` is set).
pub(crate) async fn execute(
    state: &AppState,
    p: &SearchParams,
    explain_partners: Option<Vec<String>>,
) -> ApiResult<SearchResponse> {
    let started = Instant::now();
    let query = parse_query(&p.q)?;
    let limit = pagination::limit(p.limit)? as usize;
    let offset: usize = match &p.cursor {
        Some(c) => pagination::decode::<usize>(c)?,
        None => 0,
    };
    if offset + limit > MAX_RESULT_WINDOW {
        return Err(invalid(
            "cursor",
            "out_of_range",
            format!("results go {MAX_RESULT_WINDOW} deep; refine the query"),
        ));
    }
    let filters = parse_filters(state, p).await?;

    let request = SearchRequest {
        query,
        filters,
        offset,
        limit,
        explain: p.explain,
        facets: true,
    };
    let mut outcome = state
        .search
        .search(&request)
        .await
        .map_err(ApiError::Unexpected)?;
    if let Some(own) = explain_partners {
        for hit in &mut outcome.hits {
            if !own.contains(&hit.partner.slug) {
                hit.explain = None;
            }
        }
    }
    let next = offset + outcome.hits.len();
    let next_cursor = (outcome.hits.len() == limit
        && (next as u64) < outcome.estimated_total
        && next + limit <= MAX_RESULT_WINDOW)
        .then(|| pagination::encode(&next));
    Ok(SearchResponse {
        hits: outcome.hits,
        facets: outcome.facets,
        estimated_total: outcome.estimated_total,
        took_ms: started.elapsed().as_secs_f64() * 1000.0,
        engine: state.search.engine().into(),
        next_cursor,
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SuggestParams {
    /// What has been typed so far.
    #[serde(default)]
    pub q: String,
    /// 1 to 20; 8 by default.
    pub limit: Option<u32>,
}

/// Suggestions for the search box: listing names and use-case phrases.
#[utoipa::path(get, path = "/api/v1/search/suggest", tag = "search", params(SuggestParams),
    responses((status = 200, body = SuggestResponse), (status = 400, body = mercato_shared::Problem)))]
pub async fn suggest(
    state: web::Data<AppState>,
    ApiQuery(p): ApiQuery<SuggestParams>,
) -> ApiResult<HttpResponse> {
    let started = Instant::now();
    let query = parse_query(&p.q)?;
    let limit = match p.limit {
        None => 8,
        Some(n @ 1..=20) => n as usize,
        Some(_) => return Err(invalid("limit", "out_of_range", "must be between 1 and 20")),
    };
    let suggestions = if query.is_empty() {
        Vec::new()
    } else {
        state
            .search
            .suggest(&query, limit)
            .await
            .map_err(ApiError::Unexpected)?
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(SuggestResponse {
            suggestions,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
        }))
}

/// How far the search index is behind the database (admins): for dashboards and for waiting
/// on a change to become searchable.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct IndexStatus {
    pub engine: String,
    pub identity: String,
    pub documents: u64,
    /// The last outbox entry the index has applied (-1 before its first build).
    pub checkpoint: i64,
    /// The newest outbox entry.
    pub latest: i64,
    /// Entries not applied yet.
    pub pending: i64,
    /// The last time the worker rebuilt the index because it had missed outbox entries that
    /// were pruned (it was not kept up to date for longer than the outbox keeps them); `null`
    /// if it never had to.
    pub last_recovery: Option<IndexRecovery>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct IndexRecovery {
    pub at: chrono::DateTime<chrono::Utc>,
    pub reason: String,
}

#[utoipa::path(get, path = "/api/v1/admin/search/status", tag = "search", security(("bearer" = [])),
    responses((status = 200, body = IndexStatus), (status = 403, body = mercato_shared::Problem)))]
pub async fn status(
    state: web::Data<AppState>,
    user: crate::auth::CurrentUser,
) -> ApiResult<HttpResponse> {
    use sea_orm::EntityTrait;
    user.require_admin()?;
    let identity = state.search.identity();
    let row = crate::entities::search_state::Entity::find_by_id(identity.clone())
        .one(&state.db.read)
        .await?;
    let checkpoint = row.as_ref().map_or(-1, |s| s.last_outbox_id);
    let last_recovery = row.and_then(|s| {
        Some(IndexRecovery {
            at: s.recovered_at?,
            reason: s.recovery.unwrap_or_default(),
        })
    });
    let latest = store::outbox::latest_id(&state.db.read).await?;
    let documents = state
        .search
        .document_count()
        .await
        .map_err(ApiError::Unexpected)?;
    Ok(HttpResponse::Ok().json(IndexStatus {
        engine: state.search.engine().into(),
        identity,
        documents,
        checkpoint,
        pending: if checkpoint < 0 {
            latest.max(1)
        } else {
            (latest - checkpoint).max(0)
        },
        latest,
        last_recovery,
    }))
}
