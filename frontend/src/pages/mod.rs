//! One module per page.

pub mod home;
pub mod listing;
pub mod not_found;
