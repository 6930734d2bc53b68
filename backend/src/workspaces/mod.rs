//! Workspaces: customer accounts ([`accounts`]: create, read, edit, the status a billing
//! system reports), their members ([`members`]) and the listings installed into them
//! ([`installs`]). Who may see a workspace is `store::workspaces::visible`; the rows are
//! written by `store::workspaces` and `store::installs`.

pub mod accounts;
pub mod installs;
pub mod members;
