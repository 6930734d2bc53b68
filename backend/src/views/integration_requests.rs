//! Integration requests as the API shows them.

use mercato_shared::api::integration_requests::IntegrationRequest;

use crate::entities::integration_requests as requests;

/// A request, with the slug of the listing that shipped it.
pub fn integration_request(r: &requests::Model, listing: Option<String>) -> IntegrationRequest {
    IntegrationRequest {
        id: r.id,
        tool: r.tool.clone(),
        use_case: r.use_case.clone(),
        votes: r.votes,
        status: r.status,
        listing,
        created_at: r.created_at,
        shipped_at: r.shipped_at,
    }
}
