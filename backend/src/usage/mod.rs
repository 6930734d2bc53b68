//! Usage reported by partners' integrations, from acknowledgement to roll-ups:
//!
//! 1. `routes/usage.rs` validates a batch (looking listings and workspaces up in the
//!    [`directory`]), sums it per (listing, day, workspace) and stores it
//!    in `usage_pending` with its `Idempotency-Key` in one transaction, then answers.
//! 2. [`folder`] adds pending batches to the roll-ups many at a time.
//! 3. [`rollups`] is the storage format of both.

pub mod directory;
pub mod folder;
pub mod rollups;

pub use folder::UsageFolder;
