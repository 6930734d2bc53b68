//! Types the Mercato backend and web app share: API requests and responses, enums, the error
//! envelope with its stable codes, and the validation rules both sides apply.
//!
//! This crate builds for wasm32; nothing here knows about HTTP servers or databases. The
//! `openapi` feature adds OpenAPI schemas for the backend's generated document.

pub mod api;
pub mod error;
pub mod validate;

pub use error::{sentence, ErrorCode, FieldError, Problem};
