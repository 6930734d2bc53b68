//! HTTP plumbing shared by the API routes and the pages: the middleware, the extractors that
//! parse requests at the edge (JSON bodies, queries, the caller), and the response helpers.
//! The mapping of errors to problem responses is `crate::error`.

pub mod extract;
pub mod middleware;
pub mod respond;
