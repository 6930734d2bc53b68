//! Demand capture and routing: which partner a lead goes to ([`routing`]), the admins' rules
//! ([`rules`]), and the writes that route ([`route`]).

pub mod route;
pub mod routing;
pub mod rules;
pub mod sla;
