//! Workspaces, their members and their installs as the API shows them.

use mercato_shared::api::workspaces::{
    Install, InstallStatus, Workspace, WorkspaceMember, WorkspaceRole,
};

use crate::entities::{installs, listings, users, workspaces};

/// A workspace as a caller with `role` in it (none: staff) sees it.
pub fn workspace(
    w: &workspaces::Model,
    role: Option<WorkspaceRole>,
    active_installs: i64,
) -> Workspace {
    Workspace {
        id: w.id,
        name: w.name.clone(),
        domain: w.domain.clone(),
        plan: w.plan.clone(),
        status: w.status,
        churned_at: w.churned_at,
        role,
        active_installs,
        created_at: w.created_at,
    }
}

/// An account's membership of a workspace.
pub fn workspace_member(u: users::Model, role: WorkspaceRole) -> WorkspaceMember {
    WorkspaceMember {
        user_id: u.id,
        email: u.email,
        display_name: u.display_name,
        role,
    }
}

/// An install of `listing`, current or past.
pub fn install(i: &installs::Model, listing: &listings::Model) -> Install {
    Install {
        id: i.id,
        workspace_id: i.workspace_id,
        listing: listing.slug.clone(),
        listing_name: listing.name.clone(),
        active: i.status == InstallStatus::Active,
        source: i.source,
        installed_at: i.installed_at,
        uninstalled_at: i.uninstalled_at,
    }
}
