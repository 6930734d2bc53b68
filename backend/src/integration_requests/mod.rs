//! Integration requests: anyone asks for an integration or votes for one, once per person
//! ([`votes`]); the lists, most votes first; admins link a request to the listing that ships
//! it, and its consenting voters become leads for that listing's partner ([`shipping`]). The
//! rows are written by `store::integration_requests`.

pub mod shipping;
pub mod votes;

pub use votes::{ask, vote_for};

use mercato_shared::api::integration_requests::{IntegrationRequest, RequestStatus};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entities::{integration_requests as requests, listings};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::views;

/// Requests of `status`, most votes first, from `offset`; and whether more follow (the API's
/// list and the requests page).
pub async fn ranked(
    state: &AppState,
    status: RequestStatus,
    offset: u64,
    limit: u32,
) -> ApiResult<(Vec<IntegrationRequest>, bool)> {
    let rows = requests::Entity::find()
        .filter(requests::Column::Status.eq(status))
        .order_by_desc(requests::Column::Votes)
        .order_by_asc(requests::Column::Id)
        .offset(offset)
        .limit(u64::from(limit) + 1)
        .all(&state.db.read)
        .await?;
    let more = rows.len() > limit as usize;
    let mut items = Vec::with_capacity(limit as usize);
    for r in rows.iter().take(limit as usize) {
        items.push(shown(&state.db.read, r).await?);
    }
    Ok((items, more))
}

/// A request as the API shows it.
async fn shown(db: &impl ConnectionTrait, r: &requests::Model) -> ApiResult<IntegrationRequest> {
    let listing = match r.listing_id {
        Some(id) => listings::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|l| l.slug),
        None => None,
    };
    Ok(views::integration_request(r, listing))
}

/// Request `id`, which must still be open for `action`.
async fn open_request(
    db: &impl ConnectionTrait,
    id: i64,
    action: &'static str,
) -> ApiResult<requests::Model> {
    let request = requests::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("integration request"))?;
    if request.status != RequestStatus::Open {
        return Err(ApiError::InvalidTransition {
            subject: "integration request",
            action,
            status: request.status.to_string(),
        });
    }
    Ok(request)
}
