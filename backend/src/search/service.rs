//! Searching, suggesting and reporting on the index: the use cases behind `/api/v1/search`,
//! the search page, the home page's featured listings and the use-case pages.

use std::time::Instant;

use mercato_shared::api::listings::PricingModel;
use mercato_shared::api::search::{
    IndexRecovery, IndexStatus, SearchResponse, SuggestResponse, BADGES, MAX_RESULT_WINDOW,
    QUERY_MAX_CHARS, QUERY_MAX_WORDS,
};
use mercato_shared::validate::Slug;
use mercato_shared::FieldError;
use sea_orm::EntityTrait;

use super::text::ParsedQuery;
use super::{Filters, SearchRequest};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::{pagination, store};

/// A search as asked: the words and the filters, unchecked (they are checked by [`search`],
/// which answers `invalid_query` naming the field at fault).
#[derive(Debug, Clone, Default)]
pub struct SearchInput {
    pub q: String,
    pub category: Option<String>,
    pub pricing: Option<PricingModel>,
    pub partner: Option<String>,
    pub badge: Option<String>,
    /// 1 to 100; 20 by default.
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Whose hits keep the parts of their score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Explain {
    None,
    /// Every hit (marketplace admins).
    All,
    /// The hits of these partners (the caller's own, by slug).
    OwnListings(Vec<String>),
}

/// Who may see explanations: marketplace admins all of them, partner members those of their
/// own listings; anyone else asking is refused (401 signed out, 403 otherwise).
pub async fn explain_for(
    state: &AppState,
    user: Option<&CurrentUser>,
    wanted: bool,
) -> ApiResult<Explain> {
    if !wanted {
        return Ok(Explain::None);
    }
    let user = user.ok_or(ApiError::Unauthenticated)?;
    if user.is_admin() {
        return Ok(Explain::All);
    }
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
    Ok(Explain::OwnListings(own))
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
async fn parse_filters(state: &AppState, p: &SearchInput) -> ApiResult<Filters> {
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
                .is_ok_and(|p| store::visibility::is_public_partner(&p)),
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

/// Runs a search (for the API and the search page): validates the query, the filters and the
/// cursor, searches, and pages. Explanations are kept for the hits `explain` covers.
pub async fn search(
    state: &AppState,
    p: &SearchInput,
    explain: Explain,
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
        explain: explain != Explain::None,
        facets: true,
    };
    let mut outcome = state
        .search
        .search(&request)
        .await
        .map_err(ApiError::Unexpected)?;
    if let Explain::OwnListings(own) = &explain {
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

/// Suggestions for the search box: listing names and use-case phrases (`limit`: 1 to 20, 8 by
/// default).
pub async fn suggest(state: &AppState, q: &str, limit: Option<u32>) -> ApiResult<SuggestResponse> {
    let started = Instant::now();
    let query = parse_query(q)?;
    let limit = match limit {
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
    Ok(SuggestResponse {
        suggestions,
        took_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

/// How far the index is behind the database, and when it last had to rebuild itself.
pub async fn status(state: &AppState) -> ApiResult<IndexStatus> {
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
    Ok(IndexStatus {
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
    })
}
