//! Who may do what to a partner and its listings.

use mercato_shared::api::partners::PartnerRole;
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::auth::CurrentUser;
use crate::entities::partner_members;
use crate::error::{ApiError, ApiResult};

/// The caller's standing towards one partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartnerAccess {
    /// The caller's role in the partner, if a member.
    pub role: Option<PartnerRole>,
    /// The caller is a marketplace admin (who sees everything but edits no partner content).
    pub marketplace_admin: bool,
}

impl PartnerAccess {
    pub const NONE: PartnerAccess = PartnerAccess {
        role: None,
        marketplace_admin: false,
    };

    pub async fn of(
        db: &impl ConnectionTrait,
        user: Option<&CurrentUser>,
        partner_id: i64,
    ) -> ApiResult<PartnerAccess> {
        let Some(user) = user else {
            return Ok(PartnerAccess::NONE);
        };
        let role = partner_members::Entity::find_by_id((partner_id, user.id))
            .one(db)
            .await?
            .map(|m| m.role);
        Ok(PartnerAccess {
            role,
            marketplace_admin: user.is_admin(),
        })
    }

    pub fn is_member(&self) -> bool {
        self.role.is_some()
    }

    /// Sees drafts, history, members: the partner's own people and marketplace admins.
    pub fn can_view_private(&self) -> bool {
        self.is_member() || self.marketplace_admin
    }

    pub fn require_view_private(&self) -> ApiResult<()> {
        if self.can_view_private() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "only the partner's members and marketplace admins may see this",
            ))
        }
    }

    /// Creates and edits listings: any member.
    pub fn require_member(&self) -> ApiResult<()> {
        if self.is_member() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "only members of the partner may do this",
            ))
        }
    }

    /// Edits the profile, manages members: partner admins.
    pub fn require_partner_admin(&self) -> ApiResult<()> {
        if self.role == Some(PartnerRole::Admin) {
            Ok(())
        } else {
            Err(ApiError::Forbidden("only the partner's admins may do this"))
        }
    }
}
