//! Conversions from stored rows to the API's response types, one module per resource.
//! Entities never leave the server as they are: every response is built explicitly, by the
//! functions here (re-exported, so callers write `views::listing(…)`).

mod accounts;
mod audit;
mod categories;
mod listings;
mod partners;
mod reviews;
mod verification;

pub use accounts::*;
pub use audit::*;
pub use categories::*;
pub use listings::*;
pub use partners::*;
pub use reviews::*;
pub use verification::*;
