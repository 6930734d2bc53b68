//! HTTP plumbing shared by the API routes and the pages: the middleware, the extractors that
//! parse requests at the edge (JSON bodies, queries, the caller), and the response helpers.
//! The mapping of errors to problem responses is `crate::error`.

pub mod client;
pub mod extract;
pub mod middleware;
pub mod respond;

use crate::auth::CurrentUser;
use crate::domain::access::{self, Need, PartnerAccess};
use crate::entities::partners;
use crate::error::ApiResult;
use crate::state::AppState;

/// The partner named by the path's `{slug}`, if the caller may do what `need` says — the one
/// policy of `domain::access` (404 for a partner the caller cannot see, 403 otherwise).
pub async fn partner_in_path(
    state: &AppState,
    user: Option<&CurrentUser>,
    raw_slug: &str,
    need: Need,
) -> ApiResult<(partners::Model, PartnerAccess)> {
    let slug = respond::path_slug(raw_slug, "partner")?;
    access::partner_for(&state.db.read, user, &slug, need).await
}
