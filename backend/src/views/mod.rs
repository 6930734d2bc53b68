//! Conversions from stored rows to the API's response types, one module per resource.
//! Entities never leave the server as they are: every response is built explicitly, by the
//! functions here (re-exported, so callers write `views::listing(…)`).

mod accounts;
mod audit;
mod categories;
mod deals;
mod integration_requests;
mod leads;
mod listings;
mod partners;
mod reviews;
mod sso;
mod verification;
mod webhooks;
mod workspaces;

pub use accounts::*;
pub use audit::*;
pub use categories::*;
pub use deals::*;
pub use integration_requests::*;
pub use leads::*;
pub use listings::*;
pub use partners::*;
pub use reviews::*;
pub use sso::*;
pub use verification::*;
pub use webhooks::*;
pub use workspaces::*;
