//! One module per page.

pub mod auth;
pub mod category;
pub mod home;
pub mod listing;
pub mod not_found;
pub mod partner;
pub mod requests;
pub mod search;
pub mod use_case;
