//! Request and response bodies of the HTTP API, one module per resource.

pub mod analytics;
pub mod audit;
pub mod auth;
pub mod categories;
pub mod deals;
pub mod domain_verification;
pub mod integration_requests;
pub mod leads;
pub mod listings;
pub mod partners;
pub mod reviews;
pub mod search;
pub mod sso;
pub mod usage;
pub mod webhooks;
pub mod workspaces;

use serde::{Deserialize, Deserializer, Serialize};

/// A page of a list. `next_cursor` is opaque; pass it back as `cursor` for the next page. It is
/// absent on the last page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Page size bounds of every list endpoint.
pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// For PATCH bodies: tells "absent" (`None`) from "set to null" (`Some(None)`).
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
