//! Deals: partners' registrations of the opportunities they work ([`registrations`]: the
//! first registration of an account wins, later ones are conflicts for admins) and the
//! partners' scorecards ([`scorecards`]: the facts counted here, the computation in
//! `analytics::scorecard`). The registration rows are written by `store::deals`.

pub mod registrations;
pub mod scorecards;
