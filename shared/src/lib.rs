//! Types the Mercato backend and web app share: API requests and responses, enums, the error
//! envelope with its stable codes, and the validation rules both sides apply.
//!
//! This crate builds for wasm32; nothing here knows about HTTP servers. The `openapi` feature
//! adds OpenAPI schemas for the backend's generated document, and `db` the database column
//! conversions of the string enums (`str_enum!`).

pub mod api;
pub mod error;
mod str_enum;
pub mod validate;

pub use error::{sentence, ErrorCode, FieldError, Problem};
pub use str_enum::UnknownValue;
