//! Workspace rows shared by the workspace use cases and the demo seed: who may see one (and
//! as what), and the one writer of a new workspace with its first owner.

use mercato_shared::api::workspaces::{WorkspaceRole, WorkspaceStatus};
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::auth::CurrentUser;
use crate::entities::{workspace_members, workspaces};
use crate::error::{ApiError, ApiResult};

/// The caller's standing towards a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkspaceAccess {
    pub role: Option<WorkspaceRole>,
    /// Marketplace admins and analysts (they see every workspace, as the billing side would).
    pub staff: bool,
}

impl WorkspaceAccess {
    pub fn require_member(&self) -> ApiResult<()> {
        if self.role.is_some() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "only members of the workspace may do this",
            ))
        }
    }

    pub fn require_owner(&self) -> ApiResult<()> {
        if self.role == Some(WorkspaceRole::Owner) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "only the workspace's owners may do this",
            ))
        }
    }
}

/// Loads workspace `id` if the caller may see it (members and staff); others get a 404.
pub async fn visible(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: i64,
) -> ApiResult<(workspaces::Model, WorkspaceAccess)> {
    let workspace = workspaces::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("workspace"))?;
    let role = workspace_members::Entity::find_by_id((id, user.id))
        .one(db)
        .await?
        .map(|m| m.role);
    let access = WorkspaceAccess {
        role,
        staff: user.is_staff(),
    };
    if role.is_none() && !access.staff {
        return Err(ApiError::NotFound("workspace"));
    }
    Ok((workspace, access))
}

/// Creates a workspace with its first owner, at `at` (now, for the API).
pub async fn create(
    db: &impl ConnectionTrait,
    name: String,
    domain: Option<String>,
    plan: String,
    owner: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> ApiResult<workspaces::Model> {
    use sea_orm::{ActiveModelTrait, Set};
    let w = workspaces::ActiveModel {
        name: Set(name),
        domain: Set(domain),
        plan: Set(plan),
        status: Set(WorkspaceStatus::Active),
        churned_at: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    workspace_members::ActiveModel {
        workspace_id: Set(w.id),
        user_id: Set(owner),
        role: Set(WorkspaceRole::Owner),
        created_at: Set(at),
    }
    .insert(db)
    .await?;
    Ok(w)
}
