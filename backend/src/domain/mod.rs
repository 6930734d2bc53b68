//! The rules of the marketplace, free of HTTP: validation of what partners submit, who may do
//! what, and the review state machine. Handlers parse, call into here, and map the result.

pub mod access;
pub mod company;
pub mod listing;
pub mod partner;
pub mod review;
