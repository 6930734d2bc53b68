//! Authentication: password hashing, access and refresh tokens, and the extractor that tells
//! handlers who is calling.

pub mod accounts;
pub mod api_keys;
pub mod extract;
pub mod install_tokens;
pub mod key_files;
pub mod password;
pub mod sessions;
pub mod tokens;

pub use extract::{CurrentUser, MaybeUser};
